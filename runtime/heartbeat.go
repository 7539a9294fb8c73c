package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

// interrupter stops the handler of a running job: the executor.
type interrupter interface {
	// interrupt cancels rj's context with cause and gives its handler
	// TimeoutGrace to return.
	interrupt(rj *runningJob, cause error)
}

// heartbeatBackend is what the heartbeat uses of the backend.
type heartbeatBackend interface {
	jobs.Queue
	jobs.Store
	jobs.StatsReader
	jobs.WorkerRegistry
	jobs.CancelNotifier
}

// heartbeat is the pool's heartbeat service: every Lease/3 it renews the
// leases of the running jobs (those whose outcome is being stored among
// them), stops the handlers of those whose lease was lost, reports the
// pool's workers and checks for unserved queues; beside it, it stops the
// handlers of jobs cancelled anywhere as the backend announces them. When
// it stops, it removes the pool's worker report.
type heartbeat struct {
	backend   heartbeatBackend
	slots     *slotTable
	stopper   interrupter
	processID string
	lease     time.Duration
	clock     jobs.Clock
	log       *slog.Logger
	served    map[string]int // PoolConfig.Queues, for the unserved warning
	unserved  unservedWatch

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

func newHeartbeat(backend heartbeatBackend, slots *slotTable, stopper interrupter, cfg PoolConfig) *heartbeat {
	return &heartbeat{
		backend: backend, slots: slots, stopper: stopper, processID: cfg.ProcessID,
		lease: cfg.Lease, clock: cfg.Clock, log: cfg.Logger, served: cfg.Queues,
	}
}

// start launches the heartbeat and the cancellation watcher; they run
// until stop.
func (h *heartbeat) start(ctx context.Context) {
	ctx, h.cancel = context.WithCancel(ctx)
	h.wg.Add(1)
	go h.run(ctx)
	if ids, err := h.backend.CancelledJobs(ctx); err != nil {
		h.log.Error("jobs: subscribe to cancellations; cancelled running jobs stop at their next lease renewal", "err", err)
	} else {
		h.wg.Add(1)
		go h.watchCancellations(ids)
	}
}

// stop stops the heartbeat and the cancellation watcher, then removes the
// pool's worker report (bounded by 5 s, even when ctx is done).
func (h *heartbeat) stop(ctx context.Context) error {
	h.cancel()
	h.wg.Wait()
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := h.backend.RemoveWorkers(rmCtx, h.processID); err != nil {
		return fmt.Errorf("shutdown: remove worker report: %w", err)
	}
	return nil
}

// run renews the leases of running jobs and reports the workers every
// Lease/3 until ctx is done.
func (h *heartbeat) run(ctx context.Context) {
	defer h.wg.Done()
	interval := h.lease / 3
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		h.beatOnce(ctx, interval)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (h *heartbeat) beatOnce(ctx context.Context, interval time.Duration) {
	now := h.clock.Now()
	running, workers := h.snapshot(now)
	if len(running) > 0 {
		batch := make([]jobs.Job, len(running))
		for i, rj := range running {
			batch[i] = rj.job
		}
		lost, err := h.backend.ExtendLeases(ctx, batch, now.Add(h.lease))
		if err != nil && ctx.Err() == nil {
			h.log.Error("jobs: extend leases", "err", err, "jobs", len(batch))
		}
		if err == nil {
			// The renewal was sent after now: the leases last until
			// now+Lease at least.
			for _, rj := range running {
				if !slices.Contains(lost, rj.job.ID) {
					rj.leaseEnd.Store(now.Add(h.lease).UnixNano())
				}
			}
		}
		h.dropLost(ctx, lost)
	}
	if err := h.backend.ReportWorkers(ctx, h.processID, workers, 3*interval); err != nil && ctx.Err() == nil {
		h.log.Error("jobs: report workers", "err", err)
	} else if err == nil {
		h.checkUnserved(ctx, now)
	}
}

// snapshot lists the running jobs (those whose outcome is being stored
// among them) and describes every worker slot.
func (h *heartbeat) snapshot(now time.Time) ([]*runningJob, []jobs.WorkerInfo) {
	var batch []*runningJob
	var workers []jobs.WorkerInfo
	for q, w := range h.slots.byQueue {
		for i := range w.slots {
			wi := jobs.WorkerInfo{
				ID:            h.workerID(q, i),
				ProcessID:     h.processID,
				Queue:         q,
				Status:        jobs.WorkerIdle,
				LastHeartbeat: now,
			}
			if rj := w.slots[i].job.Load(); rj != nil {
				batch = append(batch, rj)
				wi.Status = jobs.WorkerRunning
				wi.JobID, wi.JobType, wi.JobStartedAt = rj.job.ID, rj.job.Type, rj.job.StartedAt
			}
			workers = append(workers, wi)
		}
	}
	sort.Slice(workers, func(i, j int) bool { return workers[i].ID < workers[j].ID })
	return batch, workers
}

func (h *heartbeat) workerID(queue string, slot int) string {
	return fmt.Sprintf("%s/%s/%03d", h.processID, queue, slot)
}

// dropLost cancels the handlers of jobs whose lease was lost. A job lost
// because it was cancelled gets ErrJobCancelled as the cause, as through
// the CancelNotifier, whichever of the two tells the pool first.
func (h *heartbeat) dropLost(ctx context.Context, ids []string) {
	for _, id := range ids {
		cause := jobs.ErrLeaseLost
		if j, err := h.backend.Job(ctx, id); err == nil && j.State == jobs.StateCancelled {
			cause = jobs.ErrJobCancelled
		}
		h.cancelRunning([]string{id}, cause)
	}
}

// watchCancellations stops the handlers of jobs cancelled anywhere.
func (h *heartbeat) watchCancellations(ids <-chan string) {
	defer h.wg.Done()
	for id := range ids {
		h.cancelRunning([]string{id}, jobs.ErrJobCancelled)
	}
}

// cancelRunning cancels the contexts of those of ids that run here; a
// job whose handler has returned (its outcome is being stored) has its
// context cancelled already.
func (h *heartbeat) cancelRunning(ids []string, cause error) {
	h.slots.eachRunning(func(rj *runningJob) {
		if slices.Contains(ids, rj.job.ID) && rj.ctx.Err() == nil {
			h.log.Warn("jobs: stopping handler", append(jobAttrs(rj.job), "cause", cause)...)
			h.stopper.interrupt(rj, cause)
		}
	})
}
