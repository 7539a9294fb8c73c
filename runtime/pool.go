package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/jobsgo/jobs"
)

// Pool defaults.
const (
	DefaultWorkers         = 10
	DefaultLease           = 30 * time.Second
	DefaultShutdownTimeout = 10 * time.Second
	DefaultJobTimeout      = 30 * time.Minute
	DefaultMaxFetch        = 16
)

// PoolConfig configures a worker pool. Zero fields take the defaults.
type PoolConfig struct {
	// Queues maps each queue to serve to its number of workers (concurrent
	// jobs). Default: each of Registry.Queues, DefaultWorkers workers each.
	Queues map[string]int
	// Lease is how long a dequeued job stays reserved without a heartbeat;
	// running jobs renew it every Lease/3. Default 30 s.
	Lease time.Duration
	// ShutdownTimeout is how long Shutdown waits for running jobs before
	// cancelling their contexts and handing them back to the queue.
	// Default 10 s.
	ShutdownTimeout time.Duration
	// JobTimeout bounds an attempt whose job and handler set no timeout.
	// Default 30 min.
	JobTimeout time.Duration
	// TimeoutGrace is how long a handler may run on once its context has
	// ended (its timeout passed, or the job was cancelled, lost its lease or
	// was interrupted by shutdown) before the pool abandons it: the attempt
	// is settled without it (a timed-out attempt fails with error type
	// timeout), its lease is no longer renewed, a new goroutine serves its
	// worker slot, and AbandonedHandlers counts it. The abandoned goroutine
	// may still be running. Default 5 s (DefaultTimeoutGrace).
	TimeoutGrace time.Duration
	// Retry is the retry policy of jobs whose job and handler set none. Zero
	// fields take the RetryPolicy defaults.
	Retry jobs.RetryPolicy
	// Middleware wraps every handler, the first outermost. RecoverPanics is
	// always installed outside of it.
	Middleware []Middleware
	// Tenants runs tenant handlers in their tenant's scope; required when the
	// registry has tenant handlers.
	Tenants jobs.TenantExecutor
	// RetryUnknownTenant retries jobs whose tenant is unknown or disabled;
	// by default they go straight to the dead-letter queue.
	RetryUnknownTenant bool
	// SchedulerInterval is how often due jobs are promoted and expired
	// leases recovered. Default 1 s.
	SchedulerInterval time.Duration
	// DisableScheduler stops this pool from running a scheduler (another
	// process runs one).
	DisableScheduler bool
	// Schedules are periodic jobs this pool enqueues. Every process may run
	// the same schedules: each tick enqueues one job.
	Schedules []Schedule
	// EnqueueHooks run on the periodic jobs this pool enqueues, as
	// WithEnqueueHook does for a Client (e.g. trace propagation).
	EnqueueHooks []EnqueueHook
	// MaxPayloadSize limits the args of the periodic jobs this pool
	// enqueues, as WithMaxPayloadSize does for a Client: 0 keeps
	// DefaultMaxPayloadSize, NoPayloadLimit (negative) removes the limit.
	// NewPool refuses a schedule whose args exceed it.
	MaxPayloadSize int
	// MaxFetch is the most jobs one dequeue call takes when several workers
	// are idle. Default 16.
	MaxFetch int
	// ProcessID names this process in worker reports. Default host:pid:random.
	ProcessID string
	// Logger receives the pool's logs. Default slog.Default().
	Logger *slog.Logger
	// Clock tells the time. Default: the backend's clock (TimeSource; the
	// Redis server's for the Redis backend), else SystemClock. Set it in
	// tests only: all processes sharing a backend must agree on the time.
	Clock jobs.Clock
	// Random returns numbers in [0, 1) for retry jitter. Default math/rand/v2.
	Random func() float64
}

func (c PoolConfig) withDefaults(reg *Registry) PoolConfig {
	if len(c.Queues) == 0 {
		c.Queues = handlerQueueWorkers(reg)
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.TimeoutGrace <= 0 {
		c.TimeoutGrace = DefaultTimeoutGrace
	}
	if c.MaxFetch <= 0 {
		c.MaxFetch = DefaultMaxFetch
	}
	if c.ProcessID == "" {
		host, _ := os.Hostname()
		c.ProcessID = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Random == nil {
		c.Random = randomFloat
	}
	return c
}

func (c PoolConfig) validate(reg *Registry) error {
	if len(reg.Types()) == 0 {
		return jobs.ErrNoHandlers
	}
	for q, n := range c.Queues {
		if err := jobs.ValidateQueueName(q); err != nil {
			return err
		}
		if n <= 0 {
			return fmt.Errorf("queue %q: %d workers; want at least 1", q, n)
		}
	}
	if err := c.Retry.Validate(); err != nil {
		return err
	}
	if reg.hasTenantHandlers() && c.Tenants == nil {
		return errors.New("the registry has tenant handlers but PoolConfig.Tenants is nil")
	}
	return nil
}

// Pool runs jobs from a backend. It is four services around its worker
// slots (see the package documentation): for each queue, a fetcher takes
// jobs when workers are idle (several per round trip when several are)
// and hands each to an idle worker, a goroutine per slot that lives as
// long as the pool, which runs it with a lease that a heartbeat renews; a
// maintainer runs the scheduler and the periodic schedules. On a backend
// that is an AckDequeuer, a worker that stores an outcome takes its next
// job in the same round trip and goes back to the fetcher only when it
// gets none. A suspect job (Job.Suspect) runs alone in the process, and
// the pool takes no jobs while one waits for its turn (see
// IsolationWindow).
type Pool struct {
	backend  jobs.Backend
	registry *Registry
	cfg      PoolConfig
	log      *slog.Logger

	// The services, started in this order; Shutdown stops the fetcher
	// and the maintainer, then the executor, then the heartbeat (asynq's
	// Server composes its processors the same way).
	slots *slotTable // the state they share
	exec  *executor
	fetch *fetcher
	maint *maintainer
	beat  *heartbeat

	mu      sync.Mutex
	started bool
	stopped bool
	// stopTaking ends the taking phase, which the fetchers and the workers
	// share: once Shutdown starts, neither takes more jobs.
	stopTaking context.CancelFunc
}

// NewPool returns a pool that runs registry's handlers on jobs of backend.
func NewPool(backend jobs.Backend, registry *Registry, cfg PoolConfig) (*Pool, error) {
	if backend == nil || registry == nil {
		return nil, errors.New("new pool: backend and registry are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = backendClock(backend)
	}
	cfg = cfg.withDefaults(registry)
	if err := cfg.validate(registry); err != nil {
		return nil, fmt.Errorf("new pool: %w", err)
	}
	maint, err := newMaintainer(backend, cfg)
	if err != nil {
		return nil, fmt.Errorf("new pool: %w", err)
	}
	slots := newSlotTable(cfg.Queues)
	gate := newTurns()
	exec := newExecutor(backend, registry, slots, gate, cfg)
	return &Pool{
		backend:  backend,
		registry: registry,
		cfg:      cfg,
		log:      cfg.Logger,
		slots:    slots,
		exec:     exec,
		fetch:    newFetcher(backend, slots, gate, cfg),
		maint:    maint,
		beat:     newHeartbeat(backend, slots, exec, cfg),
	}, nil
}

// ProcessID is the name this pool reports its workers under.
func (p *Pool) ProcessID() string { return p.cfg.ProcessID }

// AbandonedHandlers is how many handlers this pool has abandoned since it
// was created because they did not return within TimeoutGrace of their
// context's end (see PoolConfig.TimeoutGrace). Their goroutines may still
// be running.
func (p *Pool) AbandonedHandlers() int64 { return p.exec.abandoned.Load() }

// Start launches the workers, the fetchers, the scheduler (unless
// disabled), the periodic schedules, the heartbeat and the cancellation
// watcher. ctx bounds nothing but the start itself (the jobs' contexts
// carry its values); stop the pool with Shutdown. A pool starts once. When
// the backend is a Preflighter, Start first runs its check and fails with
// its error (for Redis: an evicting maxmemory-policy, or a server that
// cannot be reached), starting nothing; Start may then be called again.
func (p *Pool) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return jobs.ErrPoolStarted
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if pf, ok := p.backend.(jobs.Preflighter); ok {
		if err := pf.Preflight(ctx); err != nil {
			return fmt.Errorf("jobs: start pool: %w", err)
		}
	}
	p.started = true
	base := context.WithoutCancel(ctx)
	taking, stopTaking := context.WithCancel(base)
	p.stopTaking = stopTaking
	p.slots.jobsCtx = base
	p.exec.start(taking)
	p.fetch.start(taking)
	p.maint.start(taking)
	p.beat.start(base)
	p.logStart()
	return nil
}

// Run starts the pool, blocks until ctx is done, then shuts down
// gracefully (waiting up to ShutdownTimeout for running jobs).
func (p *Pool) Run(ctx context.Context) error {
	if err := p.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return p.Shutdown(context.Background())
}

// Shutdown stops taking jobs, waits up to ShutdownTimeout (or until ctx is
// done) for running jobs, then cancels the contexts of those still running
// and hands them back to their queues, abandoning the handlers that have
// not returned TimeoutGrace later. Jobs never taken stay queued.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	if !p.started || p.stopped {
		p.mu.Unlock()
		return nil
	}
	p.stopped = true
	p.mu.Unlock()

	p.stopTaking()
	p.fetch.stop()
	p.maint.stop()
	err := p.exec.stop(ctx)
	err = errors.Join(err, p.beat.stop(ctx))
	p.log.Info("jobs: pool stopped", "process", p.cfg.ProcessID)
	return err
}
