package backendtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jobsgo/jobs"
)

var concurrencyTests = []test{
	{"ManyProducersAndConsumers", testConcurrency},
}

// Shape of the concurrency test.
const (
	producers     = 4
	jobsPerWorker = 250
	batchSize     = 5
	consumers     = 6
	scheduledNth  = 5 // every fifth job is scheduled a minute ahead
	overallLimit  = 60 * time.Second
)

// testConcurrency runs producers, consumers and a maintainer at once and
// checks that every job is delivered exactly once: leases are long and the
// clock moves only a minute, so no lease expires.
func testConcurrency(s *suite) {
	const total = producers * jobsPerWorker
	const queue = "busy"
	ctx, cancel := context.WithTimeout(s.ctx, overallLimit)
	defer cancel()

	var (
		mu        sync.Mutex
		delivered = make(map[string]int, total)
		acked     atomic.Int64
		allAcked  = make(chan struct{})
	)
	var consumerWG sync.WaitGroup
	for c := range consumers {
		consumerWG.Go(func() {
			for {
				list, err := s.b.Dequeue(ctx, queue, 1+c%4, time.Hour)
				if err != nil {
					if ctx.Err() == nil {
						s.t.Errorf("consumer %d: Dequeue: %v", c, err)
					}
					return
				}
				mu.Lock()
				for _, j := range list {
					delivered[j.ID]++
				}
				mu.Unlock()
				for _, j := range list {
					done, err := j.Complete(nil, s.clock.Now())
					if err == nil {
						err = s.b.Ack(ctx, done)
					}
					if err != nil {
						s.t.Errorf("consumer %d: complete %s: %v", c, j.ID, err)
						return
					}
					if acked.Add(1) == total {
						close(allAcked)
					}
				}
			}
		})
	}

	var producerWG sync.WaitGroup
	for p := range producers {
		producerWG.Go(func() {
			for i := 0; i < jobsPerWorker; i += batchSize {
				batch := make([]jobs.Job, 0, batchSize)
				for k := i; k < i+batchSize; k++ {
					opts := []jobs.EnqueueOption{
						jobs.WithJobID(fmt.Sprintf("p%d-%03d", p, k)),
						jobs.WithQueue(queue),
						jobs.WithPriority(jobs.Priorities[k%len(jobs.Priorities)]),
					}
					if k%scheduledNth == 0 {
						opts = append(opts, jobs.RunIn(time.Minute))
					}
					j, err := jobs.NewJob("test.job", nil, jobs.ResolveEnqueueOptions(opts...), s.clock.Now())
					if err != nil {
						s.t.Errorf("producer %d: %v", p, err)
						return
					}
					batch = append(batch, j)
				}
				if err := s.b.Enqueue(ctx, batch...); err != nil {
					s.t.Errorf("producer %d: Enqueue: %v", p, err)
					return
				}
			}
		})
	}

	maintainerDone := make(chan struct{})
	go func() {
		defer close(maintainerDone)
		producerWG.Wait()
		s.clock.Advance(time.Minute)
		for {
			if _, err := s.b.PromoteDue(ctx); err != nil && ctx.Err() == nil {
				s.t.Errorf("PromoteDue: %v", err)
			}
			if n, err := s.b.RecoverExpired(ctx); (err != nil && ctx.Err() == nil) || n != 0 {
				s.t.Errorf("RecoverExpired = %d, %v; want 0 (no lease expires)", n, err)
			}
			select {
			case <-allAcked:
				return
			case <-ctx.Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	select {
	case <-allAcked:
	case <-ctx.Done():
		s.t.Errorf("only %d of %d jobs acknowledged within %s", acked.Load(), total, overallLimit)
	}
	cancel()
	consumerWG.Wait()
	producerWG.Wait()
	<-maintainerDone
	if s.t.Failed() {
		return
	}

	if len(delivered) != total {
		s.t.Fatalf("%d distinct jobs delivered, want %d", len(delivered), total)
	}
	for id, n := range delivered {
		if n != 1 {
			s.t.Fatalf("job %s delivered %d times", id, n)
		}
	}
	for p := range producers {
		for k := range jobsPerWorker {
			s.expectState(fmt.Sprintf("p%d-%03d", p, k), jobs.StateCompleted, 1)
		}
	}
	st := s.stats()
	q := s.queueStats(st, queue)
	if st.Processed != total || st.Succeeded != total || st.Failed != 0 || q.Pending != 0 || q.Running != 0 || q.Scheduled != 0 {
		s.t.Fatalf("figures after the run: overall %+v, queue %+v; want %d processed and succeeded, nothing left", st, q, total)
	}
}
