package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

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
