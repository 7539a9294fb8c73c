package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCommitterResults checks that concurrent calls are coalesced and each
// caller gets its own result.
func TestCommitterResults(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	c := New(func(_ context.Context, key string, items []int) ([]string, error) {
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
			got, err := c.Do(context.Background(), key, i)
			if want := fmt.Sprint(key, i); err != nil || got != want {
				t.Errorf("do(%s, %d) = %q, %v; want %q", key, i, got, err, want)
			}
		})
	}
	wg.Wait()
	total := 0
	for _, s := range sizes {
		total += s
		if s > MaxBatch {
			t.Errorf("flush of %d items, max %d", s, MaxBatch)
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
	c := New(func(_ context.Context, _ string, items []int) ([]int, error) {
		<-gate
		if fail.Load() {
			return nil, boom
		}
		return items, nil
	})
	errs := make(chan error, 10)
	for i := range 10 {
		go func() {
			_, err := c.Do(context.Background(), "q", i)
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
	if got, err := c.Do(context.Background(), "q", 7); err != nil || got != 7 {
		t.Fatalf("after a failure: %d, %v", got, err)
	}
}

// TestCommitterCancel checks that a caller whose context ends while it
// waits is withdrawn from its batch and returns the context's error.
func TestCommitterCancel(t *testing.T) {
	release := make(chan struct{})
	var flushed [][]int
	c := New(func(_ context.Context, _ string, items []int) ([]int, error) {
		<-release
		flushed = append(flushed, items)
		return items, nil
	})
	first := make(chan error)
	go func() {
		_, err := c.Do(context.Background(), "q", 1)
		first <- err
	}()
	time.Sleep(10 * time.Millisecond) // 1 is in flight
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error)
	go func() {
		_, err := c.Do(ctx, "q", 2)
		cancelled <- err
	}()
	kept := make(chan error)
	go func() {
		_, err := c.Do(context.Background(), "q", 3)
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
	if _, err := c.Do(ctx, "q", 4); !errors.Is(err, context.Canceled) {
		t.Fatalf("do with a done context: %v", err)
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
			c := New(func(_ context.Context, _ string, items []int) ([]int, error) {
				flying.Add(1)
				<-gate
				return items, nil
			})
			c.Turns = tc.turns
			if tc.urgent {
				c.Urgent = func(i int) bool { return i == 2 }
			}
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Go(func() {
					if got, err := c.Do(context.Background(), "q", i); err != nil || got != i {
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

// TestCommitterLeaveInFlight: a caller whose context ends while the flush
// carrying its call is in flight returns at once, told that the flush may
// apply it, and its result goes to abandoned; the others get theirs.
// leaveSlack is how late after its deadline a caller leaving a flush in
// flight may return on a loaded machine.
const leaveSlack = 100 * time.Millisecond

func TestCommitterLeaveInFlight(t *testing.T) {
	release := make(chan struct{})
	c := New(func(_ context.Context, _ string, items []int) ([]int, error) {
		<-release
		return items, nil
	})
	abandoned := make(chan int, 1)
	c.Abandoned = func(_ string, r int) { abandoned <- r }
	c.Turns = 1
	c.Urgent = func(i int) bool { return i == 2 }
	first := make(chan error, 1)
	go func() { _, err := c.Do(context.Background(), "q", 1); first <- err }()
	time.Sleep(10 * time.Millisecond) // 1 holds the only turn
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	second := make(chan error, 1)
	go func() { _, err := c.Do(ctx, "q", 2); second <- err }() // sealed and flushed beside 1: in flight
	var err error
	select {
	case err = <-second:
	case <-time.After(time.Second):
		close(release)
		t.Fatal("the caller still waits for its flush 1 s after its deadline")
	}
	if !errors.Is(err, ErrLeftInFlight) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 50*time.Millisecond+leaveSlack {
		t.Fatalf("caller leaving a flush in flight: %v after %s", err, time.Since(start))
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-abandoned:
		if r != 2 {
			t.Fatalf("abandoned result %d, want 2", r)
		}
	case <-time.After(time.Second):
		t.Fatal("the result of the call left in flight was not handed to abandoned")
	}
}

// TestCommitterFlushOne: with FlushOne set, a call that goes alone is
// flushed by it, and calls that waited together by Flush; each gets its
// own result and error.
func TestCommitterFlushOne(t *testing.T) {
	release := make(chan struct{})
	var batches, ones atomic.Int64
	c := New(func(_ context.Context, _ string, items []int) ([]string, error) {
		batches.Add(1)
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = fmt.Sprint("batch ", it)
		}
		return out, nil
	})
	c.FlushOne = func(_ context.Context, _ string, item int) (string, error) {
		ones.Add(1)
		if item == 0 {
			<-release // hold the only turn while others wait
		}
		if item < 0 {
			return "", errors.New("refused")
		}
		return fmt.Sprint("one ", item), nil
	}
	ctx := context.Background()
	first := make(chan string, 1)
	go func() { got, _ := c.Do(ctx, "k", 0); first <- got }()
	time.Sleep(20 * time.Millisecond)
	var wg sync.WaitGroup
	for i := 1; i <= 3; i++ {
		wg.Go(func() {
			if got, err := c.Do(ctx, "k", i); err != nil || got != fmt.Sprint("batch ", i) {
				t.Errorf("waiting call %d = %q, %v; want from the batch", i, got, err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if got := <-first; got != "one 0" {
		t.Errorf("lone call = %q, want from FlushOne", got)
	}
	time.Sleep(20 * time.Millisecond) // the batch's flush hands its turn back
	if _, err := c.Do(ctx, "k", -1); err == nil || err.Error() != "refused" {
		t.Errorf("lone call refused: %v, want its error", err)
	}
	if batches.Load() != 1 || ones.Load() != 2 {
		t.Errorf("%d batches and %d lone flushes, want 1 and 2", batches.Load(), ones.Load())
	}
}
