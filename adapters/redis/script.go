package redis

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// script is a Lua script run with EVALSHA, falling back to EVAL (which
// loads it) when the server lacks it, like goredis.Script, except that
// its commands are marked never to be sent twice. MaxRetries: -1 stops a
// *goredis.Client from re-sending a command whose reply was lost, but
// not a *goredis.ClusterClient: its redirect loop sends a command again
// after a read timeout or a dropped connection, so a script that had run
// would run twice (the caller told it failed). Redirections (MOVED, ASK)
// are still followed: the server refused those commands unrun.
type script struct {
	src  string
	hash string // SHA-1 of src, in hex, the name EVALSHA takes
	// evalsha is the head of its EVALSHA command, "evalsha" and hash,
	// boxed once rather than on every call.
	evalsha [2]any
}

// newScript returns the script of Lua source src.
func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	s := &script{src: src, hash: hex.EncodeToString(sum[:])}
	s.evalsha = [2]any{"evalsha", s.hash}
	return s
}

// processor runs or queues a command: a client or a pipeline.
type processor interface {
	Process(ctx context.Context, cmd goredis.Cmder) error
}

// onceCmd is a command go-redis never sends again after an error (its
// NoRetry is true).
type onceCmd struct{ *goredis.Cmd }

// NoRetry tells go-redis not to send the command again.
func (onceCmd) NoRetry() bool { return true }

// onceCmder is a plain command that go-redis never sends again after an
// error, for the backend's few writes outside scripts that are not
// idempotent: a *goredis.ClusterClient sends a command again after a
// read timeout or a dropped connection, MaxRetries: -1 notwithstanding.
type onceCmder struct{ goredis.Cmder }

// NoRetry tells go-redis not to send the command again.
func (onceCmder) NoRetry() bool { return true }

// Run runs the script with EVALSHA, and with EVAL when the server does not
// have it yet. A refusal that says the script did not run (see
// refusedUnrun: TRYAGAIN while its slot migrates, ...) is sent again,
// with a growing pause, for up to maxUnrunWait.
func (s *script) Run(ctx context.Context, c processor, keys []string, args ...any) *goredis.Cmd {
	return retryUnrun(ctx, c, func() *goredis.Cmd {
		cmd := s.EvalSha(ctx, c, keys, args...)
		if err := cmd.Err(); err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
			return s.process(ctx, c, [2]any{"eval", s.src}, keys, args)
		}
		return cmd
	})
}

// Bounds of the pauses between the tries of a command that the server
// refused unrun (see refusedUnrun).
const (
	firstUnrunDelay = 5 * time.Millisecond
	maxUnrunDelay   = 200 * time.Millisecond
	maxUnrunWait    = 5 * time.Second
)

// retryUnrun calls try until its command is not refused unrun, maxUnrunWait
// has passed or ctx is done, with a growing pause between the tries, and
// returns the last command. On a cluster client a refusal, or a failure to
// dial a node (a master that died: its replica may be promoted), also asks
// for the slot map to be read again.
func retryUnrun(ctx context.Context, c processor, try func() *goredis.Cmd) *goredis.Cmd {
	var waited time.Duration
	for delay := firstUnrunDelay; ; delay = min(2*delay, maxUnrunDelay) {
		cmd := try()
		err := cmd.Err()
		if cc, ok := c.(*goredis.ClusterClient); ok && (refusedUnrun(err) || isDialError(err)) {
			cc.ReloadState(ctx)
		}
		if !refusedUnrun(err) || waited >= maxUnrunWait {
			return cmd
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return cmd
		case <-t.C:
		}
		waited += delay
	}
}

// refusedUnrun reports whether err is a refusal that the server gives
// before running a command, so that sending it again cannot apply it
// twice: TRYAGAIN (a multi-key command while its slot migrates, some of
// its keys moved and some not), CLUSTERDOWN, MASTERDOWN, LOADING, and
// READONLY (a replica, which writes nothing; a script it started stopped
// at its first write). A Redis Cluster's MOVED and ASK are followed by the
// client. A failed dial sent nothing either, but is not retried here: a
// server that is down is the caller's to see at once.
func refusedUnrun(err error) bool {
	if err == nil {
		return false
	}
	return goredis.IsTryAgainError(err) || goredis.IsClusterDownError(err) || goredis.IsMasterDownError(err) ||
		goredis.IsLoadingError(err) || goredis.IsReadOnlyError(err)
}

// isDialError reports whether err is a failure to connect.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// EvalSha runs the script with EVALSHA, or queues it on a pipeline.
func (s *script) EvalSha(ctx context.Context, c processor, keys []string, args ...any) *goredis.Cmd {
	return s.process(ctx, c, s.evalsha, keys, args)
}

// process sends head (eval and the source, or evalsha and the hash) with
// keys and args as a command that is never sent twice.
func (s *script) process(ctx context.Context, c processor, head [2]any, keys []string, args []any) *goredis.Cmd {
	all := make([]any, 0, 3+len(keys)+len(args))
	all = append(all, head[0], head[1], len(keys))
	for _, k := range keys {
		all = append(all, k)
	}
	all = append(all, args...)
	cmd := goredis.NewCmd(ctx, all...)
	_ = c.Process(ctx, onceCmd{cmd})
	return cmd
}
