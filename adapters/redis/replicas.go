package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// ErrReplicaAcks is matched (errors.Is) by the error of a write that
// WithReplicaAcks made wait for replicas when fewer of them than asked
// acknowledged it within the timeout. The write is stored on the master:
// the error is an *jobs.UnknownOutcomeError (the job may be stored, or
// its outcome may be), as a failover before the replicas catch up loses
// it, and otherwise it stays.
var ErrReplicaAcks = errors.New("redis: too few replicas acknowledged the write")

// replicaAckError is the failure of WAIT after a write.
type replicaAckError struct {
	addr      string // the master
	got, want int
	timeout   time.Duration
	err       error // WAIT's own failure, if any
}

func (e *replicaAckError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("redis: the write is stored on %s, but waiting for %d replicas to acknowledge it failed (WithReplicaAcks): %v",
			e.addr, e.want, e.err)
	}
	return fmt.Sprintf("redis: the write is stored on %s, but %d of the %d replicas asked for acknowledged it within %s (WithReplicaAcks): a failover now may lose it; check the replicas (INFO replication on the master) or raise the timeout",
		e.addr, e.got, e.want, e.timeout)
}

func (e *replicaAckError) Unwrap() []error {
	if e.err != nil {
		return []error{ErrReplicaAcks, e.err}
	}
	return []error{ErrReplicaAcks}
}

// replicaAcks is the setting of WithReplicaAcks; n 0 waits for none.
type replicaAcks struct {
	n       int
	timeout time.Duration
}

// WithReplicaAcks makes every Enqueue, and every stored outcome of a job
// (Ack, AckDequeue, and so the pool's acknowledgements), wait until n
// replicas of the master that stored it have received the write, for up
// to timeout: Redis's WAIT, sent right after the script on the same
// connection. Replication is asynchronous: without it, a write that the
// master acknowledged and had not yet sent to a replica is lost when that
// replica is promoted (a killed master, a failover by Sentinel or Redis
// Cluster), so an acknowledged enqueue may vanish and a completed job run
// again. With it, only a write whose call failed can be lost that way.
//
// When fewer than n replicas acknowledge within timeout, the call fails
// with an error matching ErrReplicaAcks and jobs.ErrOutcomeUnknown:
// the write is on the master. While fewer than n replicas are connected
// every Enqueue and Ack fails so, after timeout; the pool keeps retrying
// an Ack while the job's lease lasts. Dequeues do not wait: a lease lost
// in a failover only runs its job again.
//
// n must be at least 1 and timeout positive and below the read timeout
// (WithTimeouts; 3 s by default). It applies to the clients New dials,
// a cluster or failover client or one of a standalone server, and to a
// *goredis.Client or *goredis.ClusterClient given to WithClient. Each
// write costs the round trip to the slowest of the n replicas.
func WithReplicaAcks(n int, timeout time.Duration) Option {
	return func(c *config) { c.replicaAcks = replicaAcks{n: n, timeout: timeout} }
}

// checkReplicaAcks refuses a WithReplicaAcks setting that cannot work.
func checkReplicaAcks(c config) error {
	r := c.replicaAcks
	if r == (replicaAcks{}) {
		return nil
	}
	read := c.readTimeout
	if read == 0 {
		read = 3 * time.Second
	}
	switch {
	case r.n < 1 || r.timeout <= 0:
		return fmt.Errorf("redis: WithReplicaAcks(%d, %s): want at least 1 replica and a positive timeout", r.n, r.timeout)
	case c.client == nil && r.timeout >= read:
		return fmt.Errorf("redis: WithReplicaAcks(%d, %s): the timeout must stay below the read timeout (%s), or every wait for replicas fails as a lost reply", r.n, r.timeout, read)
	}
	switch c.client.(type) {
	case nil, *goredis.Client, *goredis.ClusterClient:
		return nil
	}
	return fmt.Errorf("redis: WithReplicaAcks with WithClient(%T): only a *goredis.Client (standalone or failover) or *goredis.ClusterClient can wait for replicas", c.client)
}

// write runs s, a script that stores new jobs or outcomes, as Run does
// and, with WithReplicaAcks, waits for the replicas (see replicated).
func (b *Backend) write(ctx context.Context, s *script, keys []string, args ...any) *goredis.Cmd {
	if b.replicaAcks.n == 0 {
		return s.Run(ctx, b.client, keys, args...)
	}
	return b.replicated(ctx, s, keys, args)
}

// replicated runs s on the master of keys[0] followed by WAIT, in one
// pipeline on one connection (WAIT counts the replicas that have every
// write of its connection). A redirection (the slot moved) or refusal
// before the script ran is sent again as Run does; once the script ran,
// too few replicas make its command fail with a *replicaAckError.
func (b *Backend) replicated(ctx context.Context, s *script, keys []string, args []any) *goredis.Cmd {
	r := b.replicaAcks
	var wait *goredis.Cmd
	var node *goredis.Client
	cmd := retryUnrun(ctx, b.client, func() *goredis.Cmd {
		var err error
		if node, err = b.master(ctx, keys[0]); err != nil {
			cmd := goredis.NewCmd(ctx)
			cmd.SetErr(err)
			return cmd
		}
		var cmd *goredis.Cmd
		for _, head := range [][2]any{s.evalsha, {"eval", s.src}} {
			pipe := node.Pipeline()
			cmd = s.process(ctx, pipe, head, keys, args)
			wait = pipe.Do(ctx, "wait", r.n, r.timeout.Milliseconds())
			_, _ = pipe.Exec(ctx)
			if !isNoScript(cmd.Err()) {
				break
			}
		}
		return cmd
	})
	if cmd.Err() != nil {
		return cmd
	}
	if n, err := wait.Int(); err != nil || n < r.n {
		cmd.SetErr(&replicaAckError{addr: b.serverAddr(ctx, node), got: n, want: r.n, timeout: r.timeout, err: err})
	}
	return cmd
}

// master returns the client of the master that holds key.
func (b *Backend) master(ctx context.Context, key string) (*goredis.Client, error) {
	switch c := b.client.(type) {
	case *goredis.ClusterClient:
		return c.MasterForKey(ctx, key)
	case *goredis.Client:
		return c, nil
	}
	return nil, fmt.Errorf("redis: WithReplicaAcks: cannot find the master of %T", b.client)
}
