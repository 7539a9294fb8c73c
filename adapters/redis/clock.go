package redis

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/wallclock"
)

// Timing of the server clock.
const (
	// serverClockRefresh is how old a reading of the server's TIME may
	// grow before it is read again (in the background, the old reading
	// serving meanwhile): the server's clock may have been set, and the
	// two hosts' oscillators drift apart by a few microseconds a second.
	serverClockRefresh = 15 * time.Second
	// serverClockWait bounds the first read of TIME when it is not made
	// with a caller's context (Now), and every background read.
	serverClockWait = time.Second
	// serverClockSamples is how many times one read of the server clock
	// reads TIME, keeping the reading of the shortest round trip.
	serverClockSamples = 3
)

// serverClock is the Redis server's clock, the one every process sharing
// the server decides on: lease deadlines, execute-at times, periodic
// ticks, retention ages. It reads TIME now and then and follows it with
// this host's monotonic clock in between, so that telling the time costs
// no round trip and this host's wall clock (however wrong, however
// stepped) plays no part.
type serverClock struct {
	client goredis.UniversalClient
	// key picks the server on Redis Cluster: TIME is read from the master
	// of its slot, so that all processes read one server's clock.
	key string

	reading    atomic.Pointer[clockReading] // nil until TIME was read once
	readMu     sync.Mutex                   // one read of TIME at a time
	refreshing atomic.Bool                  // a background read is under way
	// redialled is set when the client opened a connection since the last
	// read: after a failover it may reach a server with another clock.
	redialled atomic.Bool
}

// clockReading pairs the server's time with this host's at one read of
// TIME.
type clockReading struct {
	server time.Time // what TIME returned
	// local is time.Now at the end of the round trip, for its monotonic
	// reading only: the time elapsed since is immune to steps of this
	// host's wall clock, which never enters the server clock.
	local time.Time
}

// now returns the server's time now.
func (r *clockReading) now() time.Time {
	return r.server.Add(time.Since(r.local))
}

// Now returns the server's time: the last reading of TIME moved on by the
// time elapsed here since. A reading older than serverClockRefresh, or
// taken before the client opened a new connection, is renewed in the
// background. The first call reads TIME, waiting up to
// serverClockWait; if the server does not answer, it returns this host's
// clock, and the next call tries again (the backend's calls that decide on
// the time first make sure the clock was read, with ready).
func (c *serverClock) Now() time.Time {
	r := c.reading.Load()
	if r == nil {
		ctx, cancel := context.WithTimeout(context.Background(), serverClockWait)
		defer cancel()
		if err := c.ready(ctx); err != nil {
			return wallclock.Now()
		}
		r = c.reading.Load()
	}
	if (c.redialled.Load() || time.Since(r.local) > serverClockRefresh) && c.refreshing.CompareAndSwap(false, true) {
		go c.refresh()
	}
	return r.now()
}

// ready reads TIME within ctx unless it was read before.
func (c *serverClock) ready(ctx context.Context) error {
	if c.reading.Load() != nil {
		return nil
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.reading.Load() != nil { // read while this call waited
		return nil
	}
	return c.read(ctx)
}

// refresh reads TIME again. A failure keeps the old reading, which stays
// right as long as neither clock is set; the next Now tries again.
func (c *serverClock) refresh() {
	defer c.refreshing.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), serverClockWait)
	defer cancel()
	c.readMu.Lock()
	defer c.readMu.Unlock()
	_ = c.read(ctx)
}

// DialHook notes every connection the client opens (goredis.Hook), so that
// the next Now reads the server's clock again.
func (c *serverClock) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err == nil {
			c.redialled.Store(true)
		}
		return conn, err
	}
}

// ProcessHook leaves commands alone (goredis.Hook).
func (c *serverClock) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }

// ProcessPipelineHook leaves pipelines alone (goredis.Hook).
func (c *serverClock) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// read reads the server's TIME serverClockSamples times and keeps the
// reading of the shortest round trip, paired with this host's time at its
// end. The server read its clock within the round trip, so the clock then
// runs behind the server's by at most that round trip and never ahead of
// it: no lease is judged expired, and no job due, before its time by the
// server's clock. (Pairing with the middle of the round trip ran 0.3-2 ms
// ahead: go-redis spends longer before sending than after receiving, and
// the first round trip of a process dials.) The caller holds readMu.
func (c *serverClock) read(ctx context.Context) error {
	var server goredis.Cmdable = c.client
	if cluster, ok := c.client.(*goredis.ClusterClient); ok {
		master, err := cluster.MasterForKey(ctx, c.key)
		if err != nil {
			return fmt.Errorf("read the server's clock: find the master of %s: %w", c.key, err)
		}
		server = master
	}
	c.redialled.Store(false) // a connection opened from here on counts again
	var best *clockReading
	var bestRoundTrip time.Duration
	for range serverClockSamples {
		before := time.Now()
		t, err := server.Time(ctx).Result()
		after := time.Now()
		if err != nil {
			return fmt.Errorf("read the server's clock: %w", err)
		}
		if roundTrip := after.Sub(before); best == nil || roundTrip < bestRoundTrip {
			best, bestRoundTrip = &clockReading{server: t, local: after}, roundTrip
		}
	}
	c.reading.Store(best)
	return nil
}

// Clock returns the clock the backend decides on: the server's (read with
// TIME, see WithClock), or the one WithClock set. Pools and clients on the
// backend take it (jobs.TimeSource), so that every process stamps and
// leases jobs on the same clock, whatever its host's clock says.
func (b *Backend) Clock() jobs.Clock { return b.clock }

// clockReady makes sure that the server clock was read once, within ctx,
// before a call decides on the time; a WithClock clock is always ready.
func (b *Backend) clockReady(ctx context.Context) error {
	if c, ok := b.clock.(*serverClock); ok {
		return c.ready(ctx)
	}
	return nil
}
