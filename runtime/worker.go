package runtime

// The fetchers and the workers of a pool: a fetcher per queue leases jobs
// for its idle worker slots, and each slot's worker runs them, stores their
// outcomes and, on an AckDequeuer, takes its next job in the same call.

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jobsgo/jobs"
)

// queueWorkers is the worker slots of one queue.
type queueWorkers struct {
	free  chan int // indexes of the idle slots, for the fetcher
	slots []workerSlot
}

// workerSlot is one worker: its job, read without locks by the heartbeat,
// the cancellations and Shutdown, the channel its fetcher hands it jobs on,
// and the watchdog of the handler it runs.
type workerSlot struct {
	job   atomic.Pointer[runningJob] // nil when idle
	work  chan *runningJob           // closed when the fetcher stops
	watch watchdog
}

// runningJob is a leased job handed to a worker slot.
type runningJob struct {
	job jobs.Job
	// ctx is cancelled, with a cause, when the job is cancelled, its lease
	// is lost or the pool gives up on it at shutdown.
	ctx    context.Context
	cancel context.CancelCauseFunc
	// workers and slot locate the worker slot the job runs in.
	workers *queueWorkers
	slot    int
	// leave ends the job's turn (see executeInTurn) once its outcome is
	// stored; nil until the job has one.
	leave func()
	// leaseEnd is when the lease runs out at the latest (unix nanoseconds
	// of the pool's clock): Lease after the dequeue or the last renewal.
	leaseEnd atomic.Int64
}

// fetch takes jobs of queue while any of its workers is idle and hands
// them to the idle workers; when ctx is done it stops them.
func (p *Pool) fetch(ctx context.Context, queue string, w *queueWorkers) {
	defer p.fetchers.Done()
	defer func() {
		for i := range w.slots {
			close(w.slots[i].work)
		}
	}()
	backoff := 50 * time.Millisecond
	slots := make([]int, 0, p.cfg.MaxFetch)
	for {
		slots = slots[:0]
		select {
		case <-ctx.Done():
			return
		case s := <-w.free:
			slots = append(slots, s)
		}
	more:
		for len(slots) < p.cfg.MaxFetch {
			select {
			case s := <-w.free:
				slots = append(slots, s)
			default:
				break more
			}
		}
		if !p.turns.waitOpen(ctx) { // a suspect job waits for its turn or runs alone
			return
		}
		batch, err := p.backend.Dequeue(ctx, queue, len(slots), p.cfg.Lease)
		for _, s := range slots[len(batch):] {
			w.free <- s
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Error("jobs: dequeue failed; backing off", "queue", queue, "err", err, "backoff", backoff)
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
			// The job is in its slot before its worker gets it, so that
			// cancelJobs, which runs once the fetchers have stopped, sees
			// every job handed out.
			s := &w.slots[slots[i]]
			rj := p.newRunningJob(job, w, slots[i])
			s.job.Store(rj)
			s.work <- rj
		}
	}
}

// newRunningJob gives a job leased for slot i of w the context its handler
// runs in.
func (p *Pool) newRunningJob(job jobs.Job, w *queueWorkers, i int) *runningJob {
	ctx, cancel := context.WithCancelCause(p.jobsCtx)
	rj := &runningJob{job: job, ctx: ctx, cancel: cancel, workers: w, slot: i}
	rj.leaseEnd.Store(p.cfg.Clock.Now().Add(p.cfg.Lease).UnixNano())
	return rj
}

// work is the worker of slot i of w: it runs the jobs handed to it until
// its fetcher stops. The goroutine running it counts in p.jobs until then,
// or until a handler it runs is abandoned: the goroutine that takes over
// the slot counts instead (see abandon).
func (p *Pool) work(w *queueWorkers, i int) {
	for rj := range w.slots[i].work {
		if !p.serve(w, i, rj) {
			return
		}
	}
	p.jobs.Done()
}

// serve runs rj (none when nil) and the jobs slot i of w takes itself when
// it stores an outcome (see AckDequeuer), then hands the slot back to the
// fetcher. It reports false, leaving the slot alone, when a handler it ran
// was abandoned: another goroutine serves the slot now.
func (p *Pool) serve(w *queueWorkers, i int, rj *runningJob) bool {
	for rj != nil {
		outcome, ok, abandoned := p.executeInTurn(rj)
		if abandoned {
			return false
		}
		rj = p.finish(rj, outcome, ok)
	}
	w.free <- i
	return true
}

// finish stores rj's outcome when ok, empties rj's slot and ends rj's
// turn; it returns the job the slot took in the same round trip, if any.
// rj stays in its slot, its lease renewed, until its outcome is stored or
// given up.
func (p *Pool) finish(rj *runningJob, outcome jobs.Job, ok bool) *runningJob {
	rj.cancel(nil)
	if rj.leave != nil {
		defer rj.leave()
	}
	if !ok {
		rj.workers.slots[rj.slot].job.Store(nil)
		return nil
	}
	return p.store(rj, outcome)
}

// store stores outcome, that of the job rj ran, and empties rj's slot.
// When the backend is an AckDequeuer and the pool is still taking jobs,
// it takes the queue's next job in the same round trip: that job, then in
// the slot, is returned for the worker to run.
func (p *Pool) store(rj *runningJob, outcome jobs.Job) *runningJob {
	w, i := rj.workers, rj.slot
	s := &w.slots[i]
	if p.ackDequeuer == nil || p.taking.Err() != nil || !p.turns.open() {
		p.ack(rj, outcome)
		s.job.Store(nil)
		return nil
	}
	batch, err := p.ackDequeuer.AckDequeue(context.Background(), outcome, p.cfg.Lease)
	// Stored, refused (lease lost: a job may still have been leased) or
	// failed (nothing leased: the usual retries).
	p.settleAck(rj, outcome, err)
	s.job.Store(nil)
	if len(batch) == 0 {
		return nil
	}
	next := p.newRunningJob(batch[0], w, i)
	s.job.Store(next)
	// Shutdown may have begun during the call; it cancels the jobs in the
	// slots once the fetchers stop, so this one is either seen there or
	// handed back here, never left running unseen.
	if p.taking.Err() != nil {
		next.cancel(nil)
		p.ack(next, mustTransition(next.job.Release(p.cfg.Clock.Now())))
		s.job.Store(nil)
		return nil
	}
	return next
}
