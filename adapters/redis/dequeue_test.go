package redis

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime/backendtest"

	goredis "github.com/redis/go-redis/v9"
)

// TestWokenDequeueTakesInItsWaitsRoundTrip: a Dequeue blocked on an empty
// queue gets the job an enqueue wakes it for in the round trip that waited
// (BZPOPMIN and the take pipelined), not in one more after it. Its client
// makes two round trips in all: the first look (a take, nothing pending)
// and the wait with its take. The job is leased as by any take.
func TestWokenDequeueTakesInItsWaitsRoundTrip(t *testing.T) {
	opts, err := goredis.ParseURL(testenv.RedisURL(t))
	must(t, err)
	opts.MaxRetries = -1
	client := goredis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	trips := &roundTrips{}
	client.AddHook(trips)
	clock := backendtest.NewClock(backendtest.Start)
	worker := newTestBackend(t, clock, WithClient(client))
	ctx := t.Context()
	must(t, worker.Preflight(ctx))
	worker.clock.Now()
	trips.reset()

	got := make(chan []jobs.Job, 1)
	go func() {
		batch, err := worker.Dequeue(ctx, "q", 1, time.Minute)
		if err != nil {
			t.Error(err)
		}
		got <- batch
	}()
	time.Sleep(100 * time.Millisecond) // blocked on the wake-up marker
	j := job(t, clock, "wakes", "q")
	must(t, worker.Enqueue(context.WithValue(ctx, notCounted{}, true), j))
	batch := <-got
	if len(batch) != 1 || batch[0].ID != "wakes" || batch[0].State != jobs.StateRunning || !batch[0].LeaseUntil.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("Dequeue = %v; want job wakes, running, leased for a minute", batch)
	}
	if want := []string{"evalsha", "pipeline bzpopmin evalsha"}; !slices.Equal(trips.list(), want) {
		t.Errorf("the Dequeue made round trips %q, want %q", trips.list(), want)
	}
}

// notCounted marks a context whose commands roundTrips leaves out.
type notCounted struct{}

// roundTrips is a go-redis hook that lists the round trips of a client:
// a command by its name, a pipeline as "pipeline" and its commands' names,
// leaving out a new connection's handshake (HELLO, CLIENT SETINFO).
type roundTrips struct {
	mu    sync.Mutex
	trips []string
}

func (r *roundTrips) add(ctx context.Context, trip string) {
	if ctx.Value(notCounted{}) != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trips = append(r.trips, trip)
}

func (r *roundTrips) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trips = nil
}

func (r *roundTrips) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.trips)
}

func (r *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (r *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if name := cmd.Name(); name != "hello" && name != "client" {
			r.add(ctx, name)
		}
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		trip := "pipeline"
		for _, c := range cmds {
			if name := c.Name(); name != "hello" && name != "client" {
				trip += " " + name
			}
		}
		if trip != "pipeline" { // not a new connection's handshake
			r.add(ctx, trip)
		}
		return next(ctx, cmds)
	}
}
