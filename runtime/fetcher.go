package runtime

import (
	"context"
	"log/slog"
	goruntime "runtime"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

// admission tells the fetcher when it may take jobs: not while a suspect
// job waits for its turn or runs alone (see turns).
type admission interface {
	// waitOpen waits until the pool may take new jobs; false when ctx
	// ended the wait.
	waitOpen(ctx context.Context) bool
}

// fetcher is the pool's fetch service: a goroutine per queue takes jobs
// from the backend while any of the queue's worker slots is idle (several
// per round trip when several are) and hands each to an idle slot's
// worker. When it stops, it closes the slots' work channels, which ends
// their workers once they are idle.
type fetcher struct {
	backend  jobs.Queue
	slots    *slotTable
	gate     admission
	lease    time.Duration
	maxFetch int
	clock    jobs.Clock
	log      *slog.Logger

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

func newFetcher(backend jobs.Queue, slots *slotTable, gate admission, cfg PoolConfig) *fetcher {
	return &fetcher{backend: backend, slots: slots, gate: gate, lease: cfg.Lease, maxFetch: cfg.MaxFetch, clock: cfg.Clock, log: cfg.Logger}
}

// start launches a fetcher per queue; they run until ctx is done or stop.
func (f *fetcher) start(ctx context.Context) {
	ctx, f.cancel = context.WithCancel(ctx)
	for _, q := range f.slots.queues {
		f.wg.Add(1)
		go f.fetch(ctx, f.slots.byQueue[q])
	}
}

// stop stops the fetchers and waits for them to return.
func (f *fetcher) stop() {
	f.cancel()
	f.wg.Wait()
}

// fetch takes jobs of w's queue while any of its workers is idle and
// hands them to the idle workers; when ctx is done it stops them.
func (f *fetcher) fetch(ctx context.Context, w *queueWorkers) {
	defer f.wg.Done()
	defer func() {
		for i := range w.slots {
			close(w.slots[i].work)
		}
	}()
	backoff := 50 * time.Millisecond
	slots := make([]int, 0, f.maxFetch)
	for {
		slots = slots[:0]
		select {
		case <-ctx.Done():
			return
		case s := <-w.free:
			slots = append(slots, s)
		}
	more:
		for len(slots) < f.maxFetch {
			select {
			case s := <-w.free:
				slots = append(slots, s)
			default:
				break more
			}
		}
		if !f.gate.waitOpen(ctx) { // a suspect job waits for its turn or runs alone
			return
		}
		batch, err := f.backend.Dequeue(ctx, w.queue, len(slots), f.lease)
		for _, s := range slots[len(batch):] {
			w.free <- s
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			f.log.Error("jobs: dequeue failed; backing off", "queue", w.queue, "err", err, "backoff", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		for i, job := range batch {
			w.slots[slots[i]].work <- f.slots.place(w, slots[i], job, f.clock.Now().Add(f.lease))
		}
		if len(batch) > 0 {
			// Let the workers just handed jobs run on this thread now,
			// before this fetcher prepares its next call: otherwise they
			// wait for it to block on that call, or for another thread to
			// wake up, which on an idle machine costs more than the round
			// trip that brought the jobs.
			goruntime.Gosched()
		}
	}
}
