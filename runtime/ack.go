package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jobsgo/jobs"
)

// Bounds of the pause between two tries to store an outcome.
const (
	firstAckRetryDelay = 20 * time.Millisecond
	maxAckRetryDelay   = time.Second
)

// acker is the executor's outcome storage: it stores the outcome of each
// job a worker ran and, when the backend fails, tries again while the
// job's lease lasts (the heartbeat keeps renewing it meanwhile), until the
// pool stops waiting for its workers at shutdown.
type acker struct {
	backend interface {
		Ack(ctx context.Context, job jobs.Job) error
		Job(ctx context.Context, id string) (jobs.Job, error)
	}
	clock jobs.Clock
	log   *slog.Logger
	// storing is done once the pool stops waiting for its workers at
	// shutdown: outcomes are no longer retried.
	storing     context.Context
	stopStoring context.CancelFunc
}

// start opens the storing phase, under ctx's values.
func (a *acker) start(ctx context.Context) {
	a.storing, a.stopStoring = context.WithCancel(ctx)
}

// stop ends the retries of the outcomes not stored yet.
func (a *acker) stop() { a.stopStoring() }

// ack stores next, the outcome of the job run by rj, retrying while rj's
// lease lasts (see settle).
func (a *acker) ack(rj *runningJob, next jobs.Job) {
	// The first try runs on a plain background context: backends bound their
	// own I/O, and a context per job is measurable on the hot path.
	a.settle(rj, next, a.backend.Ack(context.Background(), next))
}

// settle takes over after a try to store next, the outcome of the job
// run by rj, ended with err: nothing to do when it was stored, a warning
// when the lease was lost, else more tries, with a growing pause between
// them, until one stores it, or the lease that rj held when the first try
// failed runs out, or the pool stops waiting for its workers at shutdown.
// The job stays in its slot meanwhile, so the heartbeat keeps renewing its
// lease: no other worker takes it while this one tries. When the tries
// end, the job's lease is recovered once it expires and the job runs
// again if it has attempts left: at least once, never lost.
func (a *acker) settle(rj *runningJob, next jobs.Job, err error) {
	delay := firstAckRetryDelay
	until := rj.leaseEnd.Load()
	unsure := false // a try failed after its request may have been applied
	for {
		switch {
		case err == nil:
			return
		case errors.Is(err, jobs.ErrLeaseLost):
			a.leaseLostOnAck(next, unsure, err)
			return
		case errors.Is(err, jobs.ErrInvalidTransition), errors.Is(err, jobs.ErrInvalidJob):
			logJob(a.log, slog.LevelError, next, fmt.Sprintf("jobs: the backend refused the outcome of job %s (%s): the job stays running until its lease expires and is recovered", next.ID, next.State), "err", err)
			return
		}
		left := time.Duration(until - a.clock.Now().UnixNano())
		if left <= 0 || a.storing.Err() != nil {
			a.unstored(next, unsure || errors.Is(err, jobs.ErrOutcomeUnknown), left <= 0, err)
			return
		}
		if delay == firstAckRetryDelay {
			logJob(a.log, slog.LevelWarn, next, fmt.Sprintf("jobs: storing the outcome of job %s (%s) failed; retrying while its lease lasts", next.ID, next.State), "err", err, "lease_left", left)
		}
		unsure = unsure || errors.Is(err, jobs.ErrOutcomeUnknown)
		select {
		case <-a.storing.Done():
			continue
		case <-time.After(min(delay, left)):
		}
		delay = min(2*delay, maxAckRetryDelay)
		ctx, cancel := context.WithTimeout(a.storing, left)
		err = a.backend.Ack(ctx, next)
		cancel()
	}
}

// leaseLostOnAck reports that the backend refused next, an outcome, as the
// job's lease was lost; when an earlier try may have been applied (unsure),
// it first looks whether that try stored it.
func (a *acker) leaseLostOnAck(next jobs.Job, unsure bool, err error) {
	if unsure {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		stored, findErr := a.backend.Job(ctx, next.ID)
		cancel()
		if findErr == nil && sameOutcome(stored, next) {
			logJob(a.log, slog.LevelDebug, next, "jobs: outcome stored by an earlier try whose answer was lost")
			return
		}
		if findErr != nil {
			logJob(a.log, slog.LevelWarn, next, fmt.Sprintf("jobs: the backend refused the outcome of job %s (%s) as its lease was lost, after an earlier try whose answer was lost; whether that try stored it could not be read", next.ID, next.State), "err", err, "read_err", findErr)
			return
		}
	}
	logJob(a.log, slog.LevelWarn, next, fmt.Sprintf("jobs: the lease of job %s was lost (it expired and was recovered, or the job was cancelled or deleted) before its outcome (%s) was stored; this worker's outcome was discarded", next.ID, next.State), "err", err)
}

// sameOutcome reports whether stored is what storing next made of its job.
func sameOutcome(stored, next jobs.Job) bool {
	if stored.State != next.State || stored.Attempt != next.Attempt {
		return false
	}
	if stored.Error == nil || next.Error == nil {
		return stored.Error == nil && next.Error == nil
	}
	return stored.Error.Type == next.Error.Type && stored.Error.Message == next.Error.Message
}

// unstored logs that the pool gave up storing next, when its lease ran out
// (expired) or at shutdown, saying what is known of it.
func (a *acker) unstored(next jobs.Job, unsure, expired bool, err error) {
	why := "before its lease ran out"
	if !expired {
		why = "before the pool shut down"
	}
	msg := fmt.Sprintf("jobs: outcome of job %s (%s) could not be stored %s: it will run again after recovery, if it has attempts left", next.ID, next.State, why)
	if unsure {
		msg = fmt.Sprintf("jobs: outcome of job %s (%s) could not be confirmed %s: a try whose answer was lost may have stored it; if not, it will run again after recovery, if it has attempts left", next.ID, next.State, why)
	}
	logJob(a.log, slog.LevelError, next, msg, "err", err)
}
