package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/plural"
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

// Pool runs jobs from a backend: for each queue, a fetcher takes jobs when
// workers are idle (several per round trip when several are) and hands
// each to an idle worker, a goroutine per slot that lives as long as the
// pool, which runs it with a lease that a heartbeat renews. On a backend
// that is an AckDequeuer, a worker that stores an outcome takes its next
// job in the same round trip and goes back to the fetcher only when it
// gets none. A suspect job (Job.Suspect) runs alone in the process, and
// the pool takes no jobs while one waits for its turn (see IsolationWindow).
type Pool struct {
	backend jobs.Backend
	// ackDequeuer is backend when it is one, else nil.
	ackDequeuer jobs.AckDequeuer
	registry    *Registry
	cfg         PoolConfig
	log         *slog.Logger
	periodic    *Periodic // nil without schedules

	mu        sync.Mutex
	started   bool
	stopped   bool
	stopFetch context.CancelFunc
	// taking is done once Shutdown starts: fetchers and workers take no
	// more jobs.
	taking   context.Context
	stopBeat context.CancelFunc
	// beating is done once Shutdown stops waiting for the workers: the
	// heartbeat stops and outcomes are no longer retried.
	beating  context.Context
	fetchers sync.WaitGroup
	jobs     sync.WaitGroup // the workers
	beat     sync.WaitGroup
	// jobsCtx is the parent of the job contexts. It is never cancelled, so
	// that deriving a job's context costs no registration with a shared
	// parent; Shutdown cancels the running jobs one by one (cancelJobs).
	jobsCtx  context.Context
	workers  map[string]*queueWorkers // queue -> its workers
	handlers sync.Map                 // job type -> *preparedHandler
	// abandoned counts the handlers given up on (AbandonedHandlers).
	abandoned atomic.Int64
	turns     *turns        // runs suspect jobs alone (see runAlone)
	unserved  unservedWatch // the heartbeat's check for unserved queues
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
	p := &Pool{
		backend:  backend,
		registry: registry,
		cfg:      cfg,
		log:      cfg.Logger,
		workers:  make(map[string]*queueWorkers, len(cfg.Queues)),
		turns:    newTurns(),
	}
	p.ackDequeuer, _ = backend.(jobs.AckDequeuer)
	for q, n := range cfg.Queues {
		w := &queueWorkers{free: make(chan int, n), slots: make([]workerSlot, n)}
		for i := range w.slots {
			w.free <- i
			w.slots[i].work = make(chan *runningJob, 1)
			p.readyWatchdog(&w.slots[i].watch)
		}
		p.workers[q] = w
	}
	if len(cfg.Schedules) > 0 {
		client := NewClient(backend, WithClientClock(cfg.Clock), WithEnqueueHook(cfg.EnqueueHooks...), WithMaxPayloadSize(cfg.MaxPayloadSize))
		periodic, err := NewPeriodic(client, cfg.Schedules, cfg.Logger)
		if err != nil {
			return nil, fmt.Errorf("new pool: %w", err)
		}
		p.periodic = periodic
	}
	return p, nil
}

// ProcessID is the name this pool reports its workers under.
func (p *Pool) ProcessID() string { return p.cfg.ProcessID }

// Start launches the fetchers, the heartbeat, the cancellation watcher,
// the periodic schedules and (unless disabled) the scheduler. ctx bounds
// nothing but the start itself; stop the pool with Shutdown. A pool starts
// once. When the backend is a Preflighter, Start first runs its check and
// fails with its error (for Redis: an evicting maxmemory-policy, or a
// server that cannot be reached), starting nothing; Start may then be
// called again.
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
	fetchCtx, stopFetch := context.WithCancel(base)
	beatCtx, stopBeat := context.WithCancel(base)
	p.stopFetch, p.stopBeat, p.jobsCtx, p.taking, p.beating = stopFetch, stopBeat, base, fetchCtx, beatCtx

	queues := make([]string, 0, len(p.cfg.Queues))
	for q := range p.cfg.Queues {
		queues = append(queues, q)
	}
	sort.Strings(queues)
	for _, q := range queues {
		w := p.workers[q]
		for i := range w.slots {
			p.jobs.Add(1)
			go p.work(w, i)
		}
		p.fetchers.Add(1)
		go p.fetch(fetchCtx, q, w)
	}
	if !p.cfg.DisableScheduler {
		p.fetchers.Add(1)
		go func() {
			defer p.fetchers.Done()
			NewScheduler(p.backend, p.cfg.SchedulerInterval, p.log).Run(fetchCtx)
		}()
	}
	if p.periodic != nil {
		p.fetchers.Add(1)
		go func() {
			defer p.fetchers.Done()
			p.periodic.Run(fetchCtx)
		}()
	}
	p.beat.Add(1)
	go p.heartbeat(beatCtx)
	if ids, err := p.backend.CancelledJobs(beatCtx); err != nil {
		p.log.Error("jobs: subscribe to cancellations; cancelled running jobs stop at their next lease renewal", "err", err)
	} else {
		p.beat.Add(1)
		go p.watchCancellations(ids)
	}
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

	p.stopFetch()
	p.fetchers.Wait()

	var err error
	if !waitTimeout(ctx, &p.jobs, p.cfg.ShutdownTimeout) {
		ids := p.runningIDs()
		p.log.Warn("jobs: shutdown timeout; cancelling running jobs", "jobs", ids)
		p.cancelJobs()
		if !waitTimeout(ctx, &p.jobs, p.cfg.TimeoutGrace+time.Second) {
			stuck := p.runningIDs()
			err = fmt.Errorf("shutdown: %s did not stop; their leases will expire and be recovered: %v", plural.Count(len(stuck), "job", "jobs"), stuck)
		}
	}
	p.stopBeat()
	p.beat.Wait()
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if rmErr := p.backend.RemoveWorkers(rmCtx, p.cfg.ProcessID); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("shutdown: remove worker report: %w", rmErr))
	}
	p.log.Info("jobs: pool stopped", "process", p.cfg.ProcessID)
	return err
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

// runningIDs lists the IDs of the running jobs, sorted.
func (p *Pool) runningIDs() []string {
	var ids []string
	p.eachRunning(func(rj *runningJob) { ids = append(ids, rj.job.ID) })
	sort.Strings(ids)
	return ids
}

// eachRunning calls fn on every running job.
func (p *Pool) eachRunning(fn func(*runningJob)) {
	for _, w := range p.workers {
		for i := range w.slots {
			if rj := w.slots[i].job.Load(); rj != nil {
				fn(rj)
			}
		}
	}
}

// cancelJobs cancels the contexts of the running jobs, at shutdown: their
// cause is context.Canceled, so that they are handed back to their queues.
// The fetchers have stopped, so every job handed to a worker is in its
// slot already.
func (p *Pool) cancelJobs() {
	p.eachRunning(func(rj *runningJob) { p.interrupt(rj, nil) })
}
