package redis

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
)

// TestReplicaAcksRefused checks that New refuses WithReplicaAcks settings
// that cannot work, with an error naming the setting.
func TestReplicaAcksRefused(t *testing.T) {
	ring := goredis.NewRing(&goredis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	for _, c := range []struct {
		name    string
		opts    []Option
		mention string
	}{
		{"no replica", []Option{WithReplicaAcks(0, time.Second)}, "at least 1 replica"},
		{"no timeout", []Option{WithReplicaAcks(1, 0)}, "positive timeout"},
		{"timeout past the default read timeout", []Option{WithReplicaAcks(1, 3*time.Second)}, "below the read timeout (3s)"},
		{"timeout past the read timeout", []Option{WithReplicaAcks(1, time.Second), WithTimeouts(0, time.Second, 0)}, "below the read timeout (1s)"},
		{"ring client", []Option{WithReplicaAcks(1, time.Second), WithClient(ring)}, "*redis.Ring"},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			if c.name != "ring client" {
				opts = append(opts, WithURL("redis://127.0.0.1:1/0"))
			}
			b, err := New(opts...)
			if err == nil {
				b.Close()
				t.Fatal("New accepted the options")
			}
			if !strings.Contains(err.Error(), "WithReplicaAcks") || !strings.Contains(err.Error(), c.mention) {
				t.Fatalf("New: %v; want an error naming WithReplicaAcks and %q", err, c.mention)
			}
		})
	}
}

// TestReplicaAcks runs Enqueue and Ack on a private master with one
// replica, with WithReplicaAcks(1, 200 ms): they succeed while the
// replica is up; once it is killed, each fails after the timeout with an
// error that matches ErrReplicaAcks and jobs.ErrOutcomeUnknown and
// names the master, and the write is on the master. Asking for 2
// replicas of a master that has 1 fails the same way.
func TestReplicaAcks(t *testing.T) {
	master := startLabNode(t)
	replica := startLabNode(t, "--replicaof", "127.0.0.1", strconv.Itoa(master.port))
	waitFor(t, 10*time.Second, "the replica is in sync", func() bool {
		c := replica.client()
		defer c.Close()
		info, err := c.Info(context.Background(), "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	})
	// A replica just in sync may take longer than the 200 ms below to ack
	// its first write on a loaded machine: wait until it has acked one.
	waitFor(t, 10*time.Second, "the replica acknowledges a write", func() bool {
		c := master.client()
		defer c.Close()
		if err := c.Set(context.Background(), "replica-warm-up", "1", 0).Err(); err != nil {
			return false
		}
		n, err := c.Wait(context.Background(), 1, time.Second).Result()
		return err == nil && n == 1
	})
	url := "redis://" + master.addr + "/0"
	ctx := t.Context()
	newJob := func(b *Backend) jobs.Job {
		j, err := jobs.NewJob("acks", []byte(`{}`), jobs.EnqueueOptions{}, b.Clock().Now())
		must(t, err)
		return j
	}
	// run enqueues a job, leases it and acks its completion, and returns
	// the errors of Enqueue and Ack.
	run := func(b *Backend) (jobs.Job, error, error) {
		j := newJob(b)
		enqErr := b.Enqueue(ctx, j)
		if errors.Is(enqErr, ErrReplicaAcks) {
			if _, err := b.Job(ctx, j.ID); err != nil {
				t.Fatalf("the enqueue whose replicas did not acknowledge it did not store the job on the master: %v", err)
			}
		}
		batch, err := b.Dequeue(ctx, jobs.DefaultQueue, 1, time.Minute)
		must(t, err)
		if len(batch) != 1 || batch[0].ID != j.ID {
			t.Fatalf("Dequeue: %v; want job %s", batch, j.ID)
		}
		done, err := batch[0].Complete(nil, b.Clock().Now())
		must(t, err)
		return done, enqErr, b.Ack(ctx, done)
	}
	b := newTestBackendOn(t, nil, []Option{WithURL(url)}, WithReplicaAcks(1, 200*time.Millisecond), WithLogger(discardLog))
	if _, enqErr, ackErr := run(b); enqErr != nil || ackErr != nil {
		t.Fatalf("with the replica up: Enqueue: %v, Ack: %v", enqErr, ackErr)
	}
	two := newTestBackendOn(t, nil, []Option{WithURL(url)}, WithReplicaAcks(2, 200*time.Millisecond), WithLogger(discardLog))
	replica.kill()
	for _, c := range []struct {
		name string
		b    *Backend
		want string
	}{
		{"replica killed", b, "0 of the 1 replicas"},
		{"2 replicas of 1", two, "of the 2 replicas"},
	} {
		t.Run(c.name, func(t *testing.T) {
			done, enqErr, ackErr := run(c.b)
			for call, err := range map[string]error{"Enqueue": enqErr, "Ack": ackErr} {
				if !errors.Is(err, ErrReplicaAcks) || !errors.Is(err, jobs.ErrOutcomeUnknown) ||
					!strings.Contains(err.Error(), master.addr) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: %v; want an error matching ErrReplicaAcks and ErrOutcomeUnknown naming %s and %q", call, err, master.addr, c.want)
				}
			}
			if stored, err := c.b.Job(ctx, done.ID); err != nil || stored.State != jobs.StateCompleted {
				t.Errorf("the Ack whose replicas did not acknowledge it: job %s is %s (%v); want it completed on the master", done.ID, stored.State, err)
			}
		})
	}
}

// TestPreflightNamesSentinelMaster checks that Preflight's warnings under
// Sentinel name the master's address, not go-redis's "FailoverClient".
func TestPreflightNamesSentinelMaster(t *testing.T) {
	name, addrs := testenv.RedisSentinel(t)
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: addrs[0]})
	defer sc.Close()
	master, err := sc.GetMasterAddrByName(t.Context(), name).Result()
	must(t, err)
	var rec logRecorder
	b := newTestBackendOn(t, nil, []Option{WithSentinel(name, addrs...)}, WithLogger(rec.logger()))
	must(t, b.Preflight(t.Context()))
	lines := rec.lines("persists nothing")
	want := "addr=\"" + master[0] + ":" + master[1] + ", the master " + name + " (found through Sentinel)\""
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Fatalf("Preflight's warnings:\n%s\nwant the persistence warning with %s", rec.String(), want)
	}
}

// TestGoRedisLogLevels checks the levels at which go-redis's lines reach
// the backend's logger: a failover client's notes of its normal work are
// not warnings.
func TestGoRedisLogLevels(t *testing.T) {
	for _, c := range []struct {
		line  string
		level slog.Level
	}{
		{"sentinel: selected addr=127.0.0.1:26379 masterAddr=127.0.0.1:6379", slog.LevelDebug},
		{"sentinel: discovered new sentinel=\"127.0.0.1:26380\" for master=\"jobs\"", slog.LevelDebug},
		{"sentinel: new master=\"jobs\" addr=\"127.0.0.1:6380\"", slog.LevelInfo},
		{"sentinel: GetMasterAddrByName name=\"jobs\" failed: dial tcp: connection refused", slog.LevelWarn},
		{"redis: connection pool: failed to dial after 5 attempts: dial tcp 127.0.0.1:1: connect: connection refused", slog.LevelWarn},
	} {
		t.Run(c.line, func(t *testing.T) {
			var rec logRecorder
			slogAdapter{log: slog.New(slog.NewTextHandler(&rec, &slog.HandlerOptions{Level: slog.LevelDebug}))}.Printf(context.Background(), "%s", c.line)
			if want := "level=" + c.level.String(); !strings.Contains(rec.String(), want) {
				t.Fatalf("logged %q; want %s", rec.String(), want)
			}
		})
	}
}

// TestClusterPopsTrimmedIDsOnce: the pop of the IDs of trimmed jobs whose
// reply times out (the server runs a 300 ms script meanwhile) is not sent
// again by the cluster client (go-redis sent it again after the read
// timeout, and each copy dropped a batch of IDs that then stayed in the
// ID index).
func TestClusterPopsTrimmedIDsOnce(t *testing.T) {
	b := newTestBackendOn(t, nil, []Option{WithClusterAddrs(testenv.RedisCluster(t)...), WithTimeouts(0, 50*time.Millisecond, 0)})
	ctx := t.Context()
	k := b.queue("gone")
	const n = 4 * maintBatch
	ids := make([]any, n)
	for i := range ids {
		ids[i] = "id" + strconv.Itoa(i)
	}
	must(t, b.client.RPush(ctx, k.keys[keyGone], ids...).Err())
	must(t, b.client.ScriptLoad(ctx, slowIncr.src).Err()) // on every master
	busy := make(chan error)
	go func() { // keeps the queue's master busy for 300 ms
		busy <- slowIncr.Run(context.Background(), b.client.(*goredis.ClusterClient), []string{k.base + "busy"}, 300).Err()
	}()
	time.Sleep(30 * time.Millisecond)
	err := b.dropGone(ctx, k)
	<-busy
	t.Logf("dropGone during the pause: %v", err)
	time.Sleep(500 * time.Millisecond) // every copy sent has run
	// The pop whose reply was lost ran once or (its connection closed
	// before the server read it) not at all.
	if left := b.client.LLen(ctx, k.keys[keyGone]).Val(); err == nil || left != n && left != n-maintBatch {
		t.Fatalf("%d of %d IDs left after a pop of %d that timed out (error %v); want %d or %d: the pop ran at most once", left, n, maintBatch, err, n, n-maintBatch)
	}
}
