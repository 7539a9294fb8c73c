package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/plural"
)

// executor is the pool's execute service: a worker goroutine per slot,
// living as long as the pool, runs the jobs the fetcher hands its slot.
// It runs each in its turn (a suspect job alone, see turns) with its
// timeout under the slot's watchdog, which abandons a handler that ignores
// its context (see abandon), turns the attempt into the job's next state
// and stores it (see acker). On an AckDequeuer, a worker that stores an
// outcome takes its next job in the same round trip and hands its slot
// back to the fetcher only when it gets none.
type executor struct {
	backend jobs.Isolator
	// ackDequeuer is the backend when it is one, else nil.
	ackDequeuer jobs.AckDequeuer
	cfg         PoolConfig
	log         *slog.Logger
	slots       *slotTable
	turns       *turns // runs suspect jobs alone (see runAlone)
	acks        *acker
	handlers    *handlerSet
	// abandoned counts the handlers given up on (AbandonedHandlers).
	abandoned atomic.Int64

	// taking is done once Shutdown starts: workers take no more jobs.
	taking context.Context
	// workers counts the worker goroutines, one per slot (see work).
	workers sync.WaitGroup
}

func newExecutor(backend jobs.Backend, registry *Registry, slots *slotTable, gate *turns, cfg PoolConfig) *executor {
	e := &executor{
		backend:  backend,
		handlers: newHandlerSet(registry, cfg),
		cfg:      cfg,
		log:      cfg.Logger,
		slots:    slots,
		turns:    gate,
		acks:     &acker{backend: backend, clock: cfg.Clock, log: cfg.Logger},
	}
	e.ackDequeuer, _ = backend.(jobs.AckDequeuer)
	for _, w := range slots.byQueue {
		for i := range w.slots {
			e.readyWatchdog(&w.slots[i].watch)
		}
	}
	return e
}

// start launches a worker per slot. taking is done once the pool stops
// taking jobs; the workers then end as their fetchers close their slots.
func (e *executor) start(taking context.Context) {
	e.taking = taking
	e.acks.start(context.WithoutCancel(taking))
	for _, q := range e.slots.queues {
		w := e.slots.byQueue[q]
		for i := range w.slots {
			e.workers.Add(1)
			go e.work(w, i)
		}
	}
}

// stop waits up to ShutdownTimeout (or until ctx is done) for the workers,
// whose fetchers have stopped, to finish their jobs; then it cancels the
// contexts of those still running, which hands them back to their queues,
// and waits TimeoutGrace more for their handlers (the watchdogs abandon
// those that do not return). Outcomes not yet stored are no longer retried
// once it returns.
func (e *executor) stop(ctx context.Context) error {
	defer e.acks.stop()
	if waitTimeout(ctx, &e.workers, e.cfg.ShutdownTimeout) {
		return nil
	}
	e.log.Warn("jobs: shutdown timeout; cancelling running jobs", "jobs", e.slots.runningIDs())
	e.cancelJobs()
	if waitTimeout(ctx, &e.workers, e.cfg.TimeoutGrace+time.Second) {
		return nil
	}
	stuck := e.slots.runningIDs()
	return fmt.Errorf("shutdown: %s did not stop; their leases will expire and be recovered: %v", plural.Count(len(stuck), "job", "jobs"), stuck)
}

// waitTimeout waits for wg up to d or until ctx is done; it reports
// whether wg finished.
func waitTimeout(ctx context.Context, wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// cancelJobs cancels the contexts of the running jobs, at shutdown: their
// cause is context.Canceled, so that they are handed back to their queues.
// The fetchers have stopped, so every job handed to a worker is in its
// slot already.
func (e *executor) cancelJobs() {
	e.slots.eachRunning(func(rj *runningJob) { e.interrupt(rj, nil) })
}

// interrupt cancels rj's context with cause (nil at shutdown) and gives
// its handler TimeoutGrace to return.
func (e *executor) interrupt(rj *runningJob, cause error) {
	rj.cancel(cause)
	rj.workers.slots[rj.slot].watch.interrupted(rj, e.cfg.TimeoutGrace)
}

// work is the worker of slot i of w: it runs the jobs handed to it until
// its fetcher stops. The goroutine running it counts in e.workers until
// then, or until a handler it runs is abandoned: the goroutine that takes
// over the slot counts instead (see abandon).
func (e *executor) work(w *queueWorkers, i int) {
	for rj := range w.slots[i].work {
		if !e.serve(w, i, rj) {
			return
		}
	}
	e.workers.Done()
}

// serve runs rj (none when nil) and the jobs slot i of w takes itself when
// it stores an outcome (see AckDequeuer), then hands the slot back to the
// fetcher. It reports false, leaving the slot alone, when a handler it ran
// was abandoned: another goroutine serves the slot now.
func (e *executor) serve(w *queueWorkers, i int, rj *runningJob) bool {
	for rj != nil {
		outcome, ok, abandoned := e.executeInTurn(rj)
		if abandoned {
			return false
		}
		rj = e.finish(rj, outcome, ok)
	}
	w.free <- i
	return true
}

// finish stores rj's outcome when ok, empties rj's slot and ends rj's
// turn; it returns the job the slot took in the same round trip, if any.
// rj stays in its slot, its lease renewed, until its outcome is stored or
// given up.
func (e *executor) finish(rj *runningJob, outcome jobs.Job, ok bool) *runningJob {
	rj.cancel(nil)
	if rj.leave != nil {
		defer rj.leave()
	}
	if !ok {
		rj.workers.empty(rj.slot)
		return nil
	}
	return e.store(rj, outcome)
}

// store stores outcome, that of the job rj ran, and empties rj's slot.
// When the backend is an AckDequeuer and the pool is still taking jobs,
// it takes the queue's next job in the same round trip: that job, then in
// the slot, is returned for the worker to run.
func (e *executor) store(rj *runningJob, outcome jobs.Job) *runningJob {
	w, i := rj.workers, rj.slot
	if e.ackDequeuer == nil || e.taking.Err() != nil || !e.turns.open() {
		e.acks.ack(rj, outcome)
		w.empty(i)
		return nil
	}
	batch, err := e.ackDequeuer.AckDequeue(context.Background(), outcome, e.cfg.Lease)
	// Stored, refused (lease lost: a job may still have been leased) or
	// failed (nothing leased: the usual retries).
	e.acks.settle(rj, outcome, err)
	w.empty(i)
	if len(batch) == 0 {
		return nil
	}
	next := e.slots.place(w, i, batch[0], e.cfg.Clock.Now().Add(e.cfg.Lease))
	// Shutdown may have begun during the call; it cancels the jobs in the
	// slots once the fetchers stop, so this one is either seen there or
	// handed back here, never left running unseen.
	if e.taking.Err() != nil {
		next.cancel(nil)
		e.acks.ack(next, mustTransition(next.job.Release(e.cfg.Clock.Now())))
		w.empty(i)
		return nil
	}
	return next
}

// logJob logs msg about job at level with the job's attributes, building
// them only when the level is enabled: the pool's hot path logs nothing.
func logJob(log *slog.Logger, level slog.Level, job jobs.Job, msg string, args ...any) {
	ctx := context.Background()
	if !log.Enabled(ctx, level) {
		return
	}
	log.Log(ctx, level, msg, append(jobAttrs(job), args...)...)
}

func jobAttrs(j jobs.Job) []any {
	attrs := []any{"job_id", j.ID, "job_type", j.Type, "queue", j.Queue, "attempt", j.Attempt}
	if j.TenantID != "" {
		attrs = append(attrs, "tenant", j.TenantID)
	}
	return attrs
}
