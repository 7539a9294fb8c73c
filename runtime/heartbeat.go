package runtime

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jobsgo/jobs"
)

// heartbeat renews the leases of running jobs and reports the workers
// every Lease/3 until ctx is done.
func (p *Pool) heartbeat(ctx context.Context) {
	defer p.beat.Done()
	interval := p.cfg.Lease / 3
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		p.beatOnce(ctx, interval)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Pool) beatOnce(ctx context.Context, interval time.Duration) {
	now := p.cfg.Clock.Now()
	running, workers := p.snapshot(now)
	if len(running) > 0 {
		batch := make([]jobs.Job, len(running))
		for i, rj := range running {
			batch[i] = rj.job
		}
		lost, err := p.backend.ExtendLeases(ctx, batch, now.Add(p.cfg.Lease))
		if err != nil && ctx.Err() == nil {
			p.log.Error("jobs: extend leases", "err", err, "jobs", len(batch))
		}
		if err == nil {
			// The renewal was sent after now: the leases last until
			// now+Lease at least.
			for _, rj := range running {
				if !slices.Contains(lost, rj.job.ID) {
					rj.leaseEnd.Store(now.Add(p.cfg.Lease).UnixNano())
				}
			}
		}
		p.dropLost(ctx, lost)
	}
	if err := p.backend.ReportWorkers(ctx, p.cfg.ProcessID, workers, 3*interval); err != nil && ctx.Err() == nil {
		p.log.Error("jobs: report workers", "err", err)
	} else if err == nil {
		p.checkUnserved(ctx, now)
	}
}

// snapshot lists the running jobs (those whose outcome is being stored
// among them) and describes every worker slot.
func (p *Pool) snapshot(now time.Time) ([]*runningJob, []jobs.WorkerInfo) {
	var batch []*runningJob
	var workers []jobs.WorkerInfo
	for q, w := range p.workers {
		for i := range w.slots {
			wi := jobs.WorkerInfo{
				ID:            p.workerID(q, i),
				ProcessID:     p.cfg.ProcessID,
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

func (p *Pool) workerID(queue string, slot int) string {
	return fmt.Sprintf("%s/%s/%03d", p.cfg.ProcessID, queue, slot)
}

// dropLost cancels the handlers of jobs whose lease was lost. A job lost
// because it was cancelled gets ErrJobCancelled as the cause, as through
// the CancelNotifier, whichever of the two tells the pool first.
func (p *Pool) dropLost(ctx context.Context, ids []string) {
	for _, id := range ids {
		cause := jobs.ErrLeaseLost
		if j, err := p.backend.Job(ctx, id); err == nil && j.State == jobs.StateCancelled {
			cause = jobs.ErrJobCancelled
		}
		p.cancelRunning([]string{id}, cause)
	}
}

// watchCancellations stops the handlers of jobs cancelled anywhere.
func (p *Pool) watchCancellations(ids <-chan string) {
	defer p.beat.Done()
	for id := range ids {
		p.cancelRunning([]string{id}, jobs.ErrJobCancelled)
	}
}

// cancelRunning cancels the contexts of those of ids that run here; a
// job whose handler has returned (its outcome is being stored) has its
// context cancelled already.
func (p *Pool) cancelRunning(ids []string, cause error) {
	p.eachRunning(func(rj *runningJob) {
		if slices.Contains(ids, rj.job.ID) && rj.ctx.Err() == nil {
			p.log.Warn("jobs: stopping handler", append(jobAttrs(rj.job), "cause", cause)...)
			p.interrupt(rj, cause)
		}
	})
}
