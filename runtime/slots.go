package runtime

// The worker slots: the one piece of state the pool's services share. The
// fetcher fills idle slots, the executor's workers run what is in them and
// hand them back, the heartbeat reads them to renew leases and report
// workers, and Shutdown reads them to cancel what still runs.

import (
	"context"
	"sort"
	"sync/atomic"
	"time"

	"github.com/jobsgo/jobs"
)

// slotTable is the worker slots of every queue a pool serves.
type slotTable struct {
	queues  []string                 // the queues served, sorted
	byQueue map[string]*queueWorkers // queue -> its slots
	// jobsCtx is the parent of the job contexts, set when the pool starts.
	// It is never cancelled, so that deriving a job's context costs no
	// registration with a shared parent; Shutdown cancels the running
	// jobs one by one.
	jobsCtx context.Context
}

// newSlotTable makes n idle slots for each queue q of workers (q -> n).
func newSlotTable(workers map[string]int) *slotTable {
	t := &slotTable{byQueue: make(map[string]*queueWorkers, len(workers))}
	for q, n := range workers {
		w := &queueWorkers{queue: q, free: make(chan int, n), slots: make([]workerSlot, n)}
		for i := range w.slots {
			w.free <- i
			w.slots[i].work = make(chan *runningJob, 1)
		}
		t.byQueue[q] = w
		t.queues = append(t.queues, q)
	}
	sort.Strings(t.queues)
	return t
}

// queueWorkers is the worker slots of one queue.
type queueWorkers struct {
	queue string
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

// place puts job, leased until leaseEnd, in slot i of w with the context
// its handler runs in, and returns it. The job is in its slot before its
// worker gets it, so that Shutdown, which cancels the jobs in the slots
// once the fetchers have stopped, sees every job handed out.
func (t *slotTable) place(w *queueWorkers, i int, job jobs.Job, leaseEnd time.Time) *runningJob {
	ctx, cancel := context.WithCancelCause(t.jobsCtx)
	rj := &runningJob{job: job, ctx: ctx, cancel: cancel, workers: w, slot: i}
	rj.leaseEnd.Store(leaseEnd.UnixNano())
	w.slots[i].job.Store(rj)
	return rj
}

// empty marks slot i of w as running nothing.
func (w *queueWorkers) empty(i int) { w.slots[i].job.Store(nil) }

// eachRunning calls fn on every running job.
func (t *slotTable) eachRunning(fn func(*runningJob)) {
	for _, q := range t.queues {
		w := t.byQueue[q]
		for i := range w.slots {
			if rj := w.slots[i].job.Load(); rj != nil {
				fn(rj)
			}
		}
	}
}

// runningIDs lists the IDs of the running jobs, sorted.
func (t *slotTable) runningIDs() []string {
	var ids []string
	t.eachRunning(func(rj *runningJob) { ids = append(ids, rj.job.ID) })
	sort.Strings(ids)
	return ids
}
