package jobs

import (
	"context"
	"database/sql"
	"time"
)

// Clock tells the time. Backends and the runtime take one so that tests can
// move time by hand instead of sleeping.
type Clock interface {
	Now() time.Time
}

// TimeSource is an optional capability of a Backend: the clock it decides
// on (lease expiry, due times, retention ages). Pools and clients on the
// backend tell time with it unless PoolConfig.Clock or WithClientClock sets
// another, so that processes whose host clocks disagree still agree on
// every deadline. The Redis backend's clock is the Redis server's. A type
// that wraps a backend should pass Clock on, or its pools fall back to the
// host's clock.
type TimeSource interface {
	// Clock returns the backend's clock.
	Clock() Clock
}

// Queue moves jobs through queues. It is the part of a backend that the
// client and the worker pool use on every job.
type Queue interface {
	// Enqueue stores new jobs, all or none: pending ones at the tail of
	// their queue and priority, scheduled ones until their execute-at time.
	// It fails with ErrDuplicateJob when a job ID is in use, and with an
	// *UnknownOutcomeError (ErrOutcomeUnknown) when the request may have
	// been applied but its answer was lost.
	Enqueue(ctx context.Context, jobs ...Job) error
	// Dequeue blocks until at least one job of queue is pending, or ctx is
	// done (then it returns ctx.Err()). It leases up to max jobs, highest
	// priority first and FIFO within a priority, applies Job.Start with a
	// lease of the given length, and returns them running.
	Dequeue(ctx context.Context, queue string, max int, lease time.Duration) ([]Job, error)
	// ExtendLeases moves the lease deadline of running jobs to until. It
	// returns the IDs of the jobs among them whose lease was lost (expired
	// and recovered, cancelled, finished elsewhere).
	ExtendLeases(ctx context.Context, jobs []Job, until time.Time) (lost []string, err error)
	// Ack stores the outcome of a job that Dequeue returned: job is the
	// result of Complete, PrepareRetry, Fail, Release or Cancel applied to
	// it. Completed jobs go to the history, retrying ones wait for their
	// backoff, failed ones go to the dead-letter queue, released ones back
	// to their queue. The attempt number fences stale workers: it fails
	// with ErrLeaseLost unless the stored job is running with the attempt
	// job was started with (job.Attempt, or job.Attempt+1 for a released
	// job, since Release gives the attempt back).
	Ack(ctx context.Context, job Job) error
	// Delete removes a job that is not running, whatever its state.
	Delete(ctx context.Context, id string) error
	// Size is the number of pending jobs in queue.
	Size(ctx context.Context, queue string) (int, error)
}

// SingleEnqueuer is an optional capability of a Backend: storing one new
// job, as Enqueue does a batch of one. The runtime Client calls it for
// every lone Enqueue when the backend has it, so that the job goes by
// value rather than in a slice of one, which would copy it to the heap on
// the most common call there is.
type SingleEnqueuer interface {
	// EnqueueOne is Enqueue(ctx, job), with the same errors.
	EnqueueOne(ctx context.Context, job Job) error
}

// Maintainer is the housekeeping the scheduler runs periodically. Any number
// of processes may run it at once: each job is moved once.
type Maintainer interface {
	// PromoteDue moves scheduled and retrying jobs whose time has come to
	// their queues and reports how many it moved. It also applies the age
	// limits of the backend's Retention (dead letters and finished jobs
	// older than their max age are dropped), so that they go even when no
	// job finishes.
	PromoteDue(ctx context.Context) (int, error)
	// RecoverExpired applies Job.ExpireLease to running jobs whose lease has
	// expired (their worker crashed or hung) and reports how many it moved:
	// the attempt counts only for a job that ran alone (see Isolator).
	RecoverExpired(ctx context.Context) (int, error)
}

// Isolator marks jobs as running alone in their process. The pool calls it
// before it runs a suspect job's handler (Job.Suspect) with no other
// handler running beside it, so that a crash of the process is charged to
// that job alone (see Job.ExpireLease).
type Isolator interface {
	// Isolate applies Job.Isolate to the stored job, which must still be
	// running the attempt job was started with, else it fails with
	// ErrLeaseLost. The mark is durable when Isolate returns, and holds
	// until the attempt ends.
	Isolate(ctx context.Context, job Job) error
}

// DeadLetterQuery selects dead-letter jobs. Empty filters match all.
type DeadLetterQuery struct {
	Limit int // at most this many, newest first; 0 means 20
	Queue string
	Type  string
}

// Store finds and repairs individual jobs.
type Store interface {
	// Job returns the job with the given ID or ErrJobNotFound.
	Job(ctx context.Context, id string) (Job, error)
	// Cancel cancels a job that has not finished and returns it. A pending,
	// scheduled or retrying job never runs. A running job is cancelled at
	// once in the store; the worker holding it learns of it through
	// CancelNotifier (or its next lease renewal), cancels the handler's
	// context and discards its outcome. Finished jobs fail with
	// ErrInvalidTransition.
	Cancel(ctx context.Context, id string) (Job, error)
	// DeadLetters lists failed jobs, the most recently failed first.
	DeadLetters(ctx context.Context, q DeadLetterQuery) ([]Job, error)
	// RetryDeadLetter applies Job.Requeue to a failed job and puts it back
	// on its queue.
	RetryDeadLetter(ctx context.Context, id string) (Job, error)
}

// StatsReader reports what the backend has done.
type StatsReader interface {
	// Stats returns overall and per-queue figures and the live workers.
	Stats(ctx context.Context) (Stats, error)
	// History returns the most recently finished (completed or failed) jobs
	// of jobType, newest first.
	History(ctx context.Context, jobType string, limit int) ([]Job, error)
}

// WorkerRegistry keeps track of live workers.
type WorkerRegistry interface {
	// ReportWorkers replaces what is known of processID's workers. The
	// report expires when ttl passes without a new one (the process died).
	ReportWorkers(ctx context.Context, processID string, workers []WorkerInfo, ttl time.Duration) error
	// RemoveWorkers forgets processID's workers, at a clean shutdown.
	RemoveWorkers(ctx context.Context, processID string) error
}

// AckDequeuer is an optional capability of a Backend: a worker that
// finishes a job stores its outcome and takes its next job in one round
// trip, as BullMQ's moveToFinished does. The pool uses it while it is
// taking jobs; both adapters have it.
type AckDequeuer interface {
	// AckDequeue stores job's outcome as Ack does and then, without
	// blocking, leases up to one pending job of the same queue for lease,
	// as Dequeue would. err is the Ack's: when it is ErrLeaseLost, next may
	// still hold a leased job, which the caller must run or release; any
	// other error means that nothing was leased.
	AckDequeue(ctx context.Context, job Job, lease time.Duration) (next []Job, err error)
}

// Backend is everything a storage adapter implements. Every adapter passes
// the conformance suite in runtime/backendtest.
type Backend interface {
	Queue
	Maintainer
	Isolator
	Store
	StatsReader
	WorkerRegistry
	Inspector
	CancelNotifier
	PeriodicStore
}

// Inspector is what operators need beyond the Backend: browsing queues by
// state, pausing queues and bulk repair of the dead-letter queue. The admin
// API and the jobs command use it; every adapter implements it.
type Inspector interface {
	// ListJobs pages through a queue's jobs in one state: pending in the
	// order workers take them, scheduled and retrying by execute-at time,
	// running by lease deadline, completed, failed and cancelled newest
	// first. Pages stay fast however many jobs the queue holds. A query
	// with Type or Search examines at most ScanLimit jobs per call.
	ListJobs(ctx context.Context, q JobQuery) (JobPage, error)
	// PauseQueue stops every worker of every process from taking jobs of
	// queue until ResumeQueue; enqueueing goes on. QueueStats.Paused tells.
	PauseQueue(ctx context.Context, queue string) error
	// ResumeQueue lets workers take jobs of a paused queue again.
	ResumeQueue(ctx context.Context, queue string) error
	// RetryDeadLetters requeues every dead-letter job matching q's Queue
	// and Type (Limit is ignored) and reports how many.
	RetryDeadLetters(ctx context.Context, q DeadLetterQuery) (int, error)
	// PurgeDeadLetters deletes every dead-letter job matching q's Queue and
	// Type (Limit is ignored) and reports how many.
	PurgeDeadLetters(ctx context.Context, q DeadLetterQuery) (int, error)
}

// PeriodicStore lets any number of processes run the same schedules with
// exactly one job per tick.
type PeriodicStore interface {
	// ClaimTick claims the tick info.LastRun of schedule info.Name for the
	// caller: atomically, it stores info and returns true unless that tick
	// or a later one was claimed already, in which case it stores nothing
	// and returns false.
	ClaimTick(ctx context.Context, info ScheduleInfo) (bool, error)
	// Schedules lists the last claim of every schedule, sorted by name.
	Schedules(ctx context.Context) ([]ScheduleInfo, error)
}

// Repairer is implemented by backends whose storage of a queue can end up
// inconsistent when its data is damaged from outside (a key overwritten,
// deleted or renamed by hand, a restore of part of a database): the Redis
// backend checks and puts right a queue's keys; the memory backend has
// nothing to repair. The admin API and the jobs command use it when the
// backend has it.
type Repairer interface {
	// Repair checks the storage of queue and reports what is wrong; with
	// fix it also puts it right, while workers run: every job ends up in
	// exactly the structure its state says, and a job that cannot be read
	// is quarantined as ErrorTypeCorrupt.
	Repair(ctx context.Context, queue string, fix bool) (RepairReport, error)
}

// TenantExecutor runs a function inside a tenant's scope: for PostgreSQL, a
// transaction whose search_path is the tenant's schema, committed when fn
// succeeds and rolled back when it fails or panics (adapters/postgres).
type TenantExecutor interface {
	RunInTenant(ctx context.Context, tenantID string, fn func(ctx context.Context, tx *sql.Tx) error) error
}

// ThroughputReader is an optional capability of a Backend: per-minute
// counters of finished attempts and of waits, kept by the backend as it
// acknowledges and starts jobs. Both adapters have it.
type ThroughputReader interface {
	// Throughput returns every queue's counters of the minutes q selects.
	Throughput(ctx context.Context, q ThroughputQuery) (Throughput, error)
}

// CancelNotifier tells worker pools, on every process, that running jobs
// were cancelled, so that their handlers stop at once instead of at the
// next lease renewal.
type CancelNotifier interface {
	// CancelledJobs delivers the ID of every running job cancelled after
	// the call, until ctx is done; then the channel is closed. A slow
	// reader may miss IDs (the lease renewal catches those).
	CancelledJobs(ctx context.Context) (<-chan string, error)
}

// Preflighter is an optional capability of a Backend: a check that the
// storage it uses keeps what it acknowledges (for Redis: no eviction
// policy). Pool.Start runs it and fails with its error, so that a
// misconfigured deployment stops at start-up instead of losing jobs.
type Preflighter interface {
	// Preflight checks the backend's storage and returns an error that
	// says what to change when it may lose jobs, or when it cannot be
	// reached.
	Preflight(ctx context.Context) error
}
