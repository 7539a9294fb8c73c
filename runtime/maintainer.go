package runtime

import (
	"context"
	"sync"

	"github.com/jobsgo/jobs"
)

// maintainer is the pool's maintain service: the scheduler, which moves
// due jobs to their queues and recovers expired leases (unless
// PoolConfig.DisableScheduler), and the periodic schedules, each on its
// own goroutine.
type maintainer struct {
	scheduler *Scheduler // nil when disabled
	periodic  *Periodic  // nil without schedules

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// newMaintainer builds cfg's scheduler and periodic schedules over
// backend. It fails when a schedule is invalid.
func newMaintainer(backend jobs.Backend, cfg PoolConfig) (*maintainer, error) {
	m := &maintainer{}
	if !cfg.DisableScheduler {
		m.scheduler = NewScheduler(backend, cfg.SchedulerInterval, cfg.Logger)
	}
	if len(cfg.Schedules) > 0 {
		client := NewClient(backend, WithClientClock(cfg.Clock), WithEnqueueHook(cfg.EnqueueHooks...), WithMaxPayloadSize(cfg.MaxPayloadSize))
		periodic, err := NewPeriodic(client, cfg.Schedules, cfg.Logger)
		if err != nil {
			return nil, err
		}
		m.periodic = periodic
	}
	return m, nil
}

// start launches the scheduler and the periodic schedules; they run until
// ctx is done or stop.
func (m *maintainer) start(ctx context.Context) {
	ctx, m.cancel = context.WithCancel(ctx)
	if m.scheduler != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.scheduler.Run(ctx)
		}()
	}
	if m.periodic != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.periodic.Run(ctx)
		}()
	}
}

// stop stops the scheduler and the periodic schedules and waits for them.
func (m *maintainer) stop() {
	m.cancel()
	m.wg.Wait()
}
