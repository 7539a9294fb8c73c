package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestCommitterResults checks that concurrent calls are coalesced and each
// caller gets its own result.
func TestCommitterResults(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	c := newCommitter(func(_ context.Context, key string, items []int) ([]string, error) {
		mu.Lock()
		sizes = append(sizes, len(items))
		mu.Unlock()
		time.Sleep(time.Millisecond) // let calls pile up
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = fmt.Sprint(key, it)
		}
		return out, nil
	})
	var wg sync.WaitGroup
	const n = 2000
	for i := range n {
		wg.Go(func() {
			key := []string{"a", "b"}[i%2]
			got, err := c.do(context.Background(), key, i)
			if want := fmt.Sprint(key, i); err != nil || got != want {
				t.Errorf("do(%s, %d) = %q, %v; want %q", key, i, got, err, want)
			}
		})
	}
	wg.Wait()
	total := 0
	for _, s := range sizes {
		total += s
		if s > maxBatch {
			t.Errorf("flush of %d items, max %d", s, maxBatch)
		}
	}
	if total != n || len(sizes) >= n {
		t.Errorf("%d items in %d flushes; want %d items in fewer flushes", total, len(sizes), n)
	}
}

// TestCommitterError checks that a failed flush fails every caller in it
// and that the lane keeps working.
func TestCommitterError(t *testing.T) {
	boom := errors.New("boom")
	gate := make(chan struct{})
	var fail atomic.Bool
	fail.Store(true)
	c := newCommitter(func(_ context.Context, _ string, items []int) ([]int, error) {
		<-gate
		if fail.Load() {
			return nil, boom
		}
		return items, nil
	})
	errs := make(chan error, 10)
	for i := range 10 {
		go func() {
			_, err := c.do(context.Background(), "q", i)
			errs <- err
		}()
	}
	time.Sleep(10 * time.Millisecond)
	close(gate)
	for range 10 {
		if err := <-errs; !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
	}
	fail.Store(false)
	if got, err := c.do(context.Background(), "q", 7); err != nil || got != 7 {
		t.Fatalf("after a failure: %d, %v", got, err)
	}
}

// TestCommitterCancel checks that a caller whose context ends while it
// waits is withdrawn from its batch and returns the context's error.
func TestCommitterCancel(t *testing.T) {
	release := make(chan struct{})
	var flushed [][]int
	c := newCommitter(func(_ context.Context, _ string, items []int) ([]int, error) {
		<-release
		flushed = append(flushed, items)
		return items, nil
	})
	first := make(chan error)
	go func() {
		_, err := c.do(context.Background(), "q", 1)
		first <- err
	}()
	time.Sleep(10 * time.Millisecond) // 1 is in flight
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error)
	go func() {
		_, err := c.do(ctx, "q", 2)
		cancelled <- err
	}()
	kept := make(chan error)
	go func() {
		_, err := c.do(context.Background(), "q", 3)
		kept <- err
	}()
	time.Sleep(10 * time.Millisecond) // 2 and 3 wait
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-kept; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(flushed) != "[[1] [3]]" {
		t.Fatalf("flushed %v, want [[1] [3]]", flushed)
	}
	if _, err := c.do(ctx, "q", 4); !errors.Is(err, context.Canceled) {
		t.Fatalf("do with a done context: %v", err)
	}
}

// TestCoalescedCalls runs concurrent single enqueues (one of them with an
// ID in use) and acks (one of them with a lost lease) on Redis: each
// caller gets its own answer.
func TestCoalescedCalls(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster=%v", cluster), func(t *testing.T) {
			b := newTestBackend(t, nil, withCluster(cluster))
			ctx := context.Background()
			now := time.Now()
			job := func(id string) jobs.Job {
				j, err := jobs.NewJob("t", nil, jobs.ResolveEnqueueOptions(jobs.WithJobID(id)), now)
				if err != nil {
					t.Fatal(err)
				}
				return j
			}
			if err := b.Enqueue(ctx, job("taken")); err != nil {
				t.Fatal(err)
			}
			const n = 64
			errs := make([]error, n+1)
			var wg sync.WaitGroup
			for i := range n + 1 {
				id := fmt.Sprint("j", i)
				if i == n {
					id = "taken"
				}
				wg.Go(func() { errs[i] = b.Enqueue(ctx, job(id)) })
			}
			wg.Wait()
			for i, err := range errs[:n] {
				if err != nil {
					t.Fatalf("enqueue j%d: %v", i, err)
				}
			}
			if !errors.Is(errs[n], jobs.ErrDuplicateJob) {
				t.Fatalf("enqueue of a taken ID: %v, want ErrDuplicateJob", errs[n])
			}
			batch, err := b.Dequeue(ctx, jobs.DefaultQueue, n+1, time.Minute)
			if err != nil || len(batch) != n+1 {
				t.Fatalf("dequeue: %d jobs, %v", len(batch), err)
			}
			for i := range batch {
				batch[i], err = batch[i].Complete(nil, time.Now())
				if err != nil {
					t.Fatal(err)
				}
			}
			batch[0].Attempt++ // not the attempt that runs
			for i := range batch {
				wg.Go(func() { errs[i] = b.Ack(ctx, batch[i]) })
			}
			wg.Wait()
			if !errors.Is(errs[0], jobs.ErrLeaseLost) {
				t.Fatalf("ack of another attempt: %v, want ErrLeaseLost", errs[0])
			}
			for i, err := range errs[1:] {
				if err != nil {
					t.Fatalf("ack %d: %v", i+1, err)
				}
			}
		})
	}
}

// TestCommitterTurns checks that a lane runs up to turns flushes at once
// and that an urgent call does not wait for them.
func TestCommitterTurns(t *testing.T) {
	for _, tc := range []struct {
		name       string
		turns      int
		urgent     bool
		wantFlying int // flushes started before any ends
	}{
		{"one turn", 1, false, 1},
		{"two turns", 2, false, 2},
		{"urgent call", 1, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gate := make(chan struct{})
			var flying atomic.Int32
			c := newCommitter(func(_ context.Context, _ string, items []int) ([]int, error) {
				flying.Add(1)
				<-gate
				return items, nil
			})
			c.turns = tc.turns
			if tc.urgent {
				c.urgent = func(i int) bool { return i == 2 }
			}
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Go(func() {
					if got, err := c.do(context.Background(), "q", i); err != nil || got != i {
						t.Errorf("do(%d) = %d, %v", i, got, err)
					}
				})
				time.Sleep(10 * time.Millisecond) // in order
			}
			if got := int(flying.Load()); got != tc.wantFlying {
				t.Errorf("%d flushes in flight, want %d", got, tc.wantFlying)
			}
			close(gate)
			wg.Wait()
		})
	}
}
