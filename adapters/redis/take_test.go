package redis

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestTakeReadsBeforeItWrites: dequeue.lua reads the pending lists and
// their jobs before it writes anything, and then checks only the keys it
// is about to write. Each case lays out a queue, takes once and checks
// what was leased, whether the wake-up marker was armed for the jobs left,
// and, when a key it must write holds another type, that the take failed
// naming that key and changed nothing.
func TestTakeReadsBeforeItWrites(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		setup  func(t *testing.T, b *Backend, clock *backendtest.Clock) // the queue "q"
		limit  int
		leased []string // IDs, in order
		armed  bool     // wake-up marker armed after the take
		badKey string   // suffix of the key the take's error names; "": it succeeds
	}{
		{"all taken, nothing left", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "a", 2)
			enqueue(t, b, c, "b", 2)
		}, 3, []string{"a", "b"}, false, ""},
		{"limit reached in a list that holds more", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "a", 2)
			enqueue(t, b, c, "b", 2)
		}, 1, []string{"a"}, true, ""},
		{"list emptied at the limit, a lower list holds more", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "hi", 3)
			enqueue(t, b, c, "lo", 1)
		}, 1, []string{"hi"}, true, ""},
		{"critical first, then FIFO within a priority", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "low", 1)
			enqueue(t, b, c, "d1", 2)
			enqueue(t, b, c, "crit", 4)
			enqueue(t, b, c, "d2", 2)
		}, 3, []string{"crit", "d1", "d2"}, true, ""},
		{"an ID listed twice is leased once", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "a", 2)
			must(t, b.client.RPush(ctx, b.queue("q").keys[keyP2], "a").Err())
			enqueue(t, b, c, "b", 2)
		}, 2, []string{"a", "b"}, false, ""},
		{"stale entries before the limit do not count", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "a", 2)
			must(t, b.client.RPush(ctx, b.queue("q").keys[keyP2], "a", "a").Err())
			enqueue(t, b, c, "b", 2)
			enqueue(t, b, c, "c", 2)
		}, 2, []string{"a", "b"}, true, ""},
		{"lease zset of another type", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "a", 2)
			must(t, b.client.Set(ctx, b.queue("q").keys[keyLease], "garbage", 0).Err())
		}, 1, nil, false, "lease"},
		{"wake-up marker of another type, jobs left", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "a", 2)
			enqueue(t, b, c, "b", 2)
		}, 1, nil, false, "wake"},
		{"dead letters of another type, a corrupt job to bury", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "a", 2)
			enqueue(t, b, c, "bad", 2)
			must(t, b.client.HSet(ctx, b.queue("q").job("bad"), "a", "one").Err())
			must(t, b.client.Set(ctx, b.queue("q").keys[keyDead], "garbage", 0).Err())
		}, 2, nil, false, "dead"},
		{"a pending list of another type", func(t *testing.T, b *Backend, c *backendtest.Clock) {
			enqueue(t, b, c, "a", 2)
			must(t, b.client.Set(ctx, b.queue("q").keys[keyP3], "garbage", 0).Err())
		}, 1, nil, false, "p3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock)
			tt.setup(t, b, clock)
			k := b.queue("q")
			must(t, b.client.Del(ctx, k.keys[keyWake]).Err()) // armed by the enqueues
			if tt.badKey == "wake" {
				must(t, b.client.Set(ctx, k.keys[keyWake], "garbage", 0).Err())
			}
			before := snapshot(t, b)
			got, err := b.take(ctx, k, tt.limit, time.Minute)
			if tt.badKey != "" {
				if err == nil || !strings.Contains(err.Error(), k.base+tt.badKey) {
					t.Fatalf("take: %v, want an error naming %s", err, k.base+tt.badKey)
				}
				if changed := changedKeys(before, snapshot(t, b)); len(changed) > 0 {
					t.Errorf("the failed take changed %v", changed)
				}
				return
			}
			must(t, err)
			var ids []string
			for _, j := range got.jobs {
				ids = append(ids, j.ID)
				if j.State != jobs.StateRunning || j.Attempt != 1 {
					t.Errorf("job %s leased as %s at attempt %d, want running at 1", j.ID, j.State, j.Attempt)
				}
			}
			if strings.Join(ids, ",") != strings.Join(tt.leased, ",") {
				t.Errorf("leased %v, want %v", ids, tt.leased)
			}
			n, err := b.client.Exists(ctx, k.keys[keyWake]).Result()
			must(t, err)
			if armed := n == 1; armed != tt.armed {
				t.Errorf("wake-up marker armed: %v, want %v", armed, tt.armed)
			}
			for _, id := range ids {
				if _, err := b.client.ZScore(ctx, k.keys[keyLease], id).Result(); err != nil {
					t.Errorf("job %s is not in the lease zset: %v", id, err)
				}
			}
		})
	}
}

// enqueue stores a pending job id of priority p in queue "q".
func enqueue(t *testing.T, b *Backend, clock *backendtest.Clock, id string, p int) {
	t.Helper()
	must(t, b.Enqueue(context.Background(), job(t, clock, id, "q", jobs.WithPriority(jobs.Priority(p)))))
}
