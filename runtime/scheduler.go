package runtime

import (
	"context"
	"log/slog"
	"time"

	"github.com/jobsgo/jobs"
)

// DefaultSchedulerInterval is how often the scheduler looks for due jobs and
// expired leases.
const DefaultSchedulerInterval = time.Second

// Scheduler periodically moves due scheduled and retrying jobs to their
// queues and recovers jobs whose lease expired. Every worker pool runs one;
// any number may run against one backend at once.
type Scheduler struct {
	maint    jobs.Maintainer
	interval time.Duration
	log      *slog.Logger
}

// NewScheduler returns a scheduler over m that runs every interval
// (DefaultSchedulerInterval when interval <= 0). logger may be nil.
func NewScheduler(m jobs.Maintainer, interval time.Duration, logger *slog.Logger) *Scheduler {
	if interval <= 0 {
		interval = DefaultSchedulerInterval
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Scheduler{maint: m, interval: interval, log: logger}
}

// Run ticks until ctx is done.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick runs one round: promote due jobs, then recover expired leases.
// Errors are logged; the next tick tries again.
func (s *Scheduler) Tick(ctx context.Context) {
	if n, err := s.maint.PromoteDue(ctx); err != nil {
		if ctx.Err() == nil {
			s.log.Error("jobs: promote due jobs", "err", err)
		}
	} else if n > 0 {
		s.log.Debug("jobs: promoted due jobs", "count", n)
	}
	if n, err := s.maint.RecoverExpired(ctx); err != nil {
		if ctx.Err() == nil {
			s.log.Error("jobs: recover expired leases", "err", err)
		}
	} else if n > 0 {
		s.log.Warn("jobs: recovered jobs whose lease expired", "count", n)
	}
}
