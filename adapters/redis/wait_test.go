package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime/backendtest"

	goredis "github.com/redis/go-redis/v9"
)

// TestWaitTakeNeedsTheLiveKey: the take pipelined behind a wait leases
// only while the waiting call's live key is there. Without it (the
// process stopped renewing it) it leases nothing, deletes nothing, and
// arms the wake-up marker again for another worker when jobs are pending,
// never when none is.
func TestWaitTakeNeedsTheLiveKey(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		live    bool
		pending []string
		leased  []string
		armed   bool // wake-up marker armed after the take
	}{
		{"live, a job pending", true, []string{"a"}, []string{"a"}, false},
		{"live, two jobs pending, one asked for", true, []string{"a", "b"}, []string{"a"}, true},
		{"live, nothing pending", true, nil, nil, false},
		{"lapsed, a job pending", false, []string{"a"}, nil, true},
		{"lapsed, nothing pending", false, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock)
			for _, id := range tt.pending {
				enqueue(t, b, clock, id, 2)
			}
			k := b.queue("q")
			must(t, b.client.Del(ctx, k.keys[keyWake]).Err()) // armed by the enqueues
			w := b.newWaiter(ctx, k)
			defer w.stop()
			if tt.live {
				must(t, b.client.Set(ctx, w.live, "1", time.Minute).Err())
			}
			now := clock.Now()
			args := dequeueArgs{head: head{k, now}, take: b.takeArgs(1, now.Add(time.Minute))}
			res, err := waitTakeScript.Run(ctx, b.client, w.keys, args.argv()...).Slice()
			must(t, err)
			var ids []string
			if len(res) == 1 {
				if tt.live {
					t.Fatalf("the take lapsed with its live key there: %v", res)
				}
			} else {
				if !tt.live {
					t.Fatalf("the take ran without its live key: %v", res)
				}
				got, err := b.takeReply(ctx, k, res, now)
				must(t, err)
				for _, j := range got.jobs {
					ids = append(ids, j.ID)
				}
			}
			if len(ids) != len(tt.leased) || (len(ids) > 0 && ids[0] != tt.leased[0]) {
				t.Errorf("leased %v, want %v", ids, tt.leased)
			}
			if n, err := b.client.Exists(ctx, w.live).Result(); err != nil || n != 0 {
				t.Errorf("live key left after the take: %d, %v", n, err)
			}
			n, err := b.client.Exists(ctx, k.keys[keyWake]).Result()
			must(t, err)
			if armed := n == 1; armed != tt.armed {
				t.Errorf("wake-up marker armed: %v, want %v", armed, tt.armed)
			}
			left, err := b.client.LLen(ctx, k.keys[keyP2]).Result()
			must(t, err)
			if want := len(tt.pending) - len(tt.leased); int(left) != want {
				t.Errorf("%d jobs left pending, want %d", left, want)
			}
		})
	}
}

// TestWaitTakeStartsOnTheServerClock: the take behind a wait runs up to a
// block timeout after the pipeline was sent. On the server's clock it
// promotes and leases by the server's TIME, not by the now it was sent
// with: a scheduled job that fell due during the wait is taken by that
// take, and its lease runs its full length from then.
func TestWaitTakeStartsOnTheServerClock(t *testing.T) {
	ctx := context.Background()
	b := newTestBackend(t, nil)
	sent := b.clock.Now() // when the pipeline went out, before the job was due
	must(t, b.Enqueue(ctx, job(t, b.clock, "due", "q", jobs.RunAt(sent.Add(200*time.Millisecond)))))
	k := b.queue("q")
	w := b.newWaiter(ctx, k)
	defer w.stop()
	must(t, b.client.Set(ctx, w.live, "1", time.Minute).Err())
	time.Sleep(300 * time.Millisecond) // the wait; the job falls due
	now := b.clock.Now()
	args := dequeueArgs{head: head{k, sent}, take: b.takeArgs(1, sent.Add(time.Minute))}
	res, err := waitTakeScript.Run(ctx, b.client, w.keys, args.argv()...).Slice()
	must(t, err)
	got, err := b.takeReply(ctx, k, res, sent)
	must(t, err)
	if len(got.jobs) != 1 || got.jobs[0].ID != "due" {
		t.Fatalf("took %v, want the job due during the wait", got.jobs)
	}
	if lease := got.jobs[0].LeaseUntil.Sub(now); lease < 59*time.Second {
		t.Errorf("lease runs %s from the take, want a minute", lease)
	}
}

// TestWaitEndsWithTheJob: a Dequeue blocked on an empty queue gets the job
// whose enqueue ended its wait from the take pipelined behind the wait:
// after its first take it runs no take of its own.
func TestWaitEndsWithTheJob(t *testing.T) {
	ctx := context.Background()
	b := newTestBackend(t, nil)
	calls := &testenv.Commands{Key: scriptHash}
	b.client.AddHook(calls)
	enqueued := make(chan struct{})
	defer func() { <-enqueued }()
	go func() {
		defer close(enqueued)
		waiting(t, b, "q")
		if err := b.Enqueue(ctx, job(t, b.clock, "late", "q")); err != nil {
			t.Error(err)
		}
	}()
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := b.Dequeue(dctx, "q", 1, time.Minute)
	must(t, err)
	if len(got) != 1 || got[0].ID != "late" {
		t.Fatalf("dequeued %v, want the job enqueued during the wait", got)
	}
	if takes, waits := calls.Count(dequeueScript.hash), calls.Count(waitTakeScript.hash); takes != 1 || waits < 1 {
		t.Errorf("%d takes of their own and %d behind a wait, want 1 (the first) and at least 1", takes, waits)
	}
}

// TestWaitEndsBeforeTheDeadline: a Dequeue whose context has a deadline
// waits no longer than the deadline allows, so that the take behind the
// wait answers before it (a reply cut off by the deadline would leave the
// jobs it leased to wait for their lease), and it then returns
// DeadlineExceeded.
func TestWaitEndsBeforeTheDeadline(t *testing.T) {
	b := newTestBackend(t, nil)
	waits := &testenv.Commands{Key: func(cmd goredis.Cmder) string {
		if args := cmd.Args(); cmd.Name() == "bzpopmin" {
			return fmt.Sprint(args[len(args)-1])
		}
		return ""
	}}
	b.client.AddHook(waits)
	const within = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if _, err := b.Dequeue(ctx, "q", 1, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dequeue returned %v, want context.DeadlineExceeded", err)
	}
	got := waits.Counted()
	if len(got) == 0 {
		t.Fatal("the Dequeue did not wait")
	}
	for timeout := range got {
		if s, err := strconv.ParseFloat(timeout, 64); err != nil || s > within.Seconds() {
			t.Errorf("waited with a timeout of %s s, longer than the %s the deadline left", timeout, within)
		}
	}
}

// TestCancelledWaitTakesNothing: cancelling a blocked Dequeue ends its
// wait, and the take behind the wait leases nothing to the call that left,
// although a job is pending (listed without arming the wake-up marker,
// which would have ended the wait first); the marker is armed for the
// other workers.
func TestCancelledWaitTakesNothing(t *testing.T) {
	bg := context.Background()
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	k := b.queue("q")
	enqueue(t, b, clock, "still", 2)
	must(t, b.client.LPop(bg, k.keys[keyP2]).Err()) // listed again once the Dequeue waits
	must(t, b.client.Del(bg, k.keys[keyWake]).Err())
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() {
		_, err := b.Dequeue(ctx, "q", 1, time.Minute)
		done <- err
	}()
	waiting(t, b, "q")
	must(t, b.client.RPush(bg, k.keys[keyP2], "still").Err())
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Dequeue returned %v, want context.Canceled", err)
	}
	if s := mustHGet(t, b, k.job("still"), "s"); s != "pending" {
		t.Errorf("job left %s, want pending", s)
	}
	if n, err := b.client.Exists(bg, k.keys[keyWake]).Result(); err != nil || n != 1 {
		t.Errorf("wake-up marker: %d, %v; want armed for the pending job", n, err)
	}
}

// waiting returns once a Dequeue of queue waits: its live key is there,
// set by the pipeline that sends the wait and the take behind it.
func waiting(t *testing.T, b *Backend, queue string) {
	t.Helper()
	for range 500 {
		keys, err := b.client.Keys(context.Background(), b.queue(queue).base+"live:*").Result()
		if err != nil {
			t.Error(err)
			return
		}
		if len(keys) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("no Dequeue of " + queue + " waits after 5 s")
}

// mustHGet reads field of the hash at key.
func mustHGet(t *testing.T, b *Backend, key, field string) string {
	t.Helper()
	v, err := b.client.HGet(context.Background(), key, field).Result()
	must(t, err)
	return v
}

// scriptHash names a script call by the SHA-1 it runs, and other commands
// "" (see testenv.Commands).
func scriptHash(cmd goredis.Cmder) string {
	if args := cmd.Args(); len(args) > 1 && cmd.Name() == "evalsha" {
		sha, _ := args[1].(string)
		return sha
	}
	return ""
}
