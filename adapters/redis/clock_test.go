package redis

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/internal/wallclock"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// skewHost makes this process's wall clock run off by offset until the
// test ends.
func skewHost(t *testing.T, offset time.Duration) {
	t.Helper()
	wallclock.SetOffset(offset)
	t.Cleanup(func() { wallclock.SetOffset(0) })
}

// TestServerClock checks that the backend tells the Redis server's time
// (never ahead of it, at most 2 ms behind) whatever the host's clock says,
// and that a step of the host's clock after the server's clock was read
// changes nothing.
func TestServerClock(t *testing.T) {
	const slack = 2 * time.Millisecond
	for _, offset := range []time.Duration{0, 5 * time.Minute, -5 * time.Minute, 26 * time.Hour} {
		t.Run(offset.String(), func(t *testing.T) {
			skewHost(t, offset)
			b := newTestBackend(t, nil)
			ctx := t.Context()
			check := func(when string) {
				t.Helper()
				before, err := b.client.Time(ctx).Result()
				must(t, err)
				now := b.clock.Now()
				after, err := b.client.Time(ctx).Result()
				must(t, err)
				// Never ahead of the server's clock; behind it by at most
				// a round trip.
				if now.Before(before.Add(-slack)) || now.After(after) {
					t.Errorf("%s: the backend's clock reads %s, the server's %s to %s", when, now, before, after)
				}
			}
			check("first read")
			wallclock.SetOffset(offset - time.Hour)
			check("after the host's clock was set an hour back")
		})
	}
}

// refuseTime fails every TIME command, as a server that does not answer it
// would, and lets every other command through.
type refuseTime struct{}

func (refuseTime) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (refuseTime) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if cmd.Name() == "time" {
			err := errors.New("TIME refused by the test")
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (refuseTime) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestServerClockUnread checks that, on a host whose clock is 5 minutes
// ahead, a backend that cannot read the server's clock decides nothing on
// its own: PromoteDue, RecoverExpired and Dequeue fail and say why, and a
// job due in a minute stays scheduled.
func TestServerClockUnread(t *testing.T) {
	skewHost(t, 5*time.Minute)
	opts, err := goredis.ParseURL(testenv.RedisURL(t))
	must(t, err)
	client := goredis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	client.AddHook(refuseTime{})
	b := newTestBackend(t, nil, WithClient(client))
	ctx := t.Context()
	right := backendtest.NewClock(time.Now()) // the host's clock is wrong
	later := job(t, right, "later", "q", jobs.RunAt(right.Now().Add(time.Minute)))
	must(t, b.Enqueue(ctx, later))

	calls := map[string]func() error{
		"PromoteDue":     func() error { _, err := b.PromoteDue(ctx); return err },
		"RecoverExpired": func() error { _, err := b.RecoverExpired(ctx); return err },
		"Dequeue":        func() error { _, err := b.Dequeue(ctx, "q", 1, time.Minute); return err },
	}
	for name, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), "read the server's clock") {
			t.Errorf("%s: error %v; want one saying the server's clock could not be read", name, err)
		}
	}
	got, err := b.Job(ctx, "later")
	must(t, err)
	if got.State != jobs.StateScheduled {
		t.Errorf("job due in a minute is %s; want still scheduled", got.State)
	}
}

// countTime counts the TIME commands of a client.
type countTime struct{ n *atomic.Int64 }

func (h countTime) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h countTime) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if cmd.Name() == "time" {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h countTime) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestServerClockRereadAfterReconnect checks that the server clock is read
// again once the client reconnects (after a failover it may reach a server
// with another clock), and not while the connection stays up.
func TestServerClockRereadAfterReconnect(t *testing.T) {
	opts, err := goredis.ParseURL(testenv.RedisURL(t))
	must(t, err)
	opts.PoolSize = 1 // one connection, to kill
	client := goredis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	var reads atomic.Int64
	client.AddHook(countTime{&reads})
	b := newTestBackend(t, nil, WithClient(client))
	ctx := t.Context()
	// settled calls Now for 200 ms and returns the TIME reads when they
	// stopped changing.
	settled := func() int64 {
		for last := int64(-1); ; {
			for range 20 {
				b.clock.Now()
				time.Sleep(10 * time.Millisecond)
			}
			if n := reads.Load(); n == last {
				return n
			} else {
				last = n
			}
		}
	}
	before := settled()
	if before == 0 {
		t.Fatal("the server's clock was never read")
	}
	id, err := client.ClientID(ctx).Result()
	must(t, err)
	killer := newTestBackend(t, nil)
	must(t, killer.client.ClientKillByFilter(ctx, "ID", strconv.FormatInt(id, 10)).Err())
	must(t, client.Ping(ctx).Err()) // reconnects
	after := settled()
	if after <= before {
		t.Errorf("TIME read %d times before the connection was killed, %d after; want more after", before, after)
	}
}
