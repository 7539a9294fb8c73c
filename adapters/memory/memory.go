// Package memory is an in-memory jobs.Backend.
//
// It keeps every job in the memory of one process: nothing survives a
// restart and no other process can see its queues. Use it for development,
// tests and demos; use adapters/redis in production.
//
// The backend is safe for concurrent use. One mutex guards its state; every
// hot path is O(1) or O(log n): per queue one FIFO list per priority, a job
// map by ID, a min-heap of scheduled and retrying jobs by execute-at time and
// a min-heap of running jobs by lease deadline. Dequeue never polls: an idle
// caller sleeps until an enqueue, promotion or release wakes it, or until the
// earliest scheduled job is due (being single-process, the memory backend
// promotes due jobs itself and so runs them exactly on time).
//
// Completed, cancelled and failed jobs stay findable by ID within the caps
// set by the options; the per-type history and the dead-letter queue are
// capped too, so memory stays bounded.
//
// The backend also implements jobs.Inspector, jobs.CancelNotifier,
// jobs.PeriodicStore and jobs.ThroughputReader (per-minute counters in
// fixed rings per queue, about 60 KB each), and enforces unique jobs
// (jobs.Unique): a map from unique key to the job holding it makes the
// check O(1).
package memory

import (
	"container/list"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/wallclock"
)

// Option configures a Backend.
type Option func(*Backend)

// WithClock makes the backend tell time with clock instead of the system
// clock: execute-at times, lease deadlines, durations and report expiry,
// and (through Backend.Clock) the times of the pools and clients on the
// backend.
func WithClock(clock jobs.Clock) Option {
	return func(b *Backend) {
		if clock != nil {
			b.clock = clock
		}
	}
}

// WithHistoryLimit keeps the n most recently finished jobs of each job type
// for History (default jobs.DefaultHistoryLimit; at least 1).
func WithHistoryLimit(n int) Option { return func(b *Backend) { b.retention.HistoryLimit = n } }

// WithCompletedLimit keeps the n most recently completed or cancelled jobs
// findable by ID (default jobs.DefaultCompletedLimit); older ones are
// forgotten. With 0 none is kept: a job is forgotten as it completes or is
// cancelled, and still counts in Stats and shows in History. A forgotten
// job's unique key stays held until its TTL passes.
func WithCompletedLimit(n int) Option { return func(b *Backend) { b.retention.CompletedLimit = n } }

// WithCompletedMaxAge forgets completed and cancelled jobs that finished
// longer than d ago (default jobs.DefaultCompletedMaxAge; positive). A
// forgotten job's unique key stays held until its TTL passes.
func WithCompletedMaxAge(d time.Duration) Option {
	return func(b *Backend) { b.retention.CompletedMaxAge = d }
}

// WithDeadLetterLimit keeps at most n jobs in the dead-letter queue
// (default jobs.DefaultDeadLetterLimit; at least 1), dropping the oldest.
func WithDeadLetterLimit(n int) Option { return func(b *Backend) { b.retention.DeadLetterLimit = n } }

// WithDeadLetterMaxAge drops dead-letter jobs that failed longer than d ago
// (default jobs.DefaultDeadLetterMaxAge; positive).
func WithDeadLetterMaxAge(d time.Duration) Option {
	return func(b *Backend) { b.retention.DeadLetterMaxAge = d }
}

// Backend is the in-memory jobs.Backend. Create it with New.
type Backend struct {
	clock     jobs.Clock
	retention jobs.Retention // what is kept of finished jobs (jobs.Retention)

	mu         sync.Mutex
	seq        uint64
	jobs       map[string]*record
	queues     map[string]*queue
	schedule   timeHeap   // scheduled and retrying jobs by ExecuteAt
	due        dueWatch   // wakes the waiting Dequeue calls when the earliest ExecuteAt moves earlier
	leases     timeHeap   // running jobs by LeaseUntil
	dead       *list.List // failed jobs, the most recently failed at the front
	finished   *list.List // completed and cancelled jobs, the newest at the front
	history    map[string]*ring
	totals     counters
	workers    map[string]workerReport
	unique     map[string]*record           // unique key -> the job that last took it
	lingering  timeHeap                     // forgotten jobs whose unique key is held, by UniqueUntil
	cancelSubs map[chan string]struct{}     // CancelledJobs subscribers
	schedules  map[string]jobs.ScheduleInfo // the last claimed tick of each schedule
}

var _ jobs.Backend = (*Backend)(nil)

// New returns an empty backend. It panics, naming the option, when an
// option's value is out of range (jobs.Retention.Validate, the check the
// Redis backend's New returns as an error): option values are constants
// of the program, and a memory backend has no configuration to fall back
// on.
func New(opts ...Option) *Backend {
	b := &Backend{
		clock:      wallclock.Clock{},
		retention:  jobs.DefaultRetention(),
		jobs:       make(map[string]*record),
		queues:     make(map[string]*queue),
		schedule:   timeHeap{key: func(r *record) time.Time { return r.job.ExecuteAt }},
		due:        newDueWatch(),
		leases:     timeHeap{key: func(r *record) time.Time { return r.job.LeaseUntil }},
		dead:       list.New(),
		finished:   list.New(),
		history:    make(map[string]*ring),
		workers:    make(map[string]workerReport),
		unique:     make(map[string]*record),
		lingering:  timeHeap{key: func(r *record) time.Time { return r.job.UniqueUntil }},
		cancelSubs: make(map[chan string]struct{}),
		schedules:  make(map[string]jobs.ScheduleInfo),
	}
	for _, o := range opts {
		o(b)
	}
	if err := b.retention.Validate(); err != nil {
		panic("memory.New: " + err.Error())
	}
	return b
}

// Clock returns the clock the backend tells time with (WithClock, default
// the system clock). Pools and clients on the backend take it
// (jobs.TimeSource).
func (b *Backend) Clock() jobs.Clock { return b.clock }

// queue is one named queue: its pending jobs and its figures.
type queue struct {
	name      string
	pending   [4]list.List // by priority, critical first; FIFO within one
	paused    bool         // Dequeue takes nothing while set (see PauseQueue)
	scheduled int64
	retrying  int64
	running   int64
	dead      int64
	totals    counters
	minutes   *perMinute    // per-minute counters (throughput.go), made on first use
	waiters   int           // Dequeue calls waiting on notify
	notify    chan struct{} // closed and replaced when jobs become pending
}

// list returns the pending list of priority p.
func (q *queue) list(p jobs.Priority) *list.List {
	return &q.pending[jobs.PriorityCritical-p]
}

// size is the number of pending jobs.
func (q *queue) size() int {
	n := 0
	for i := range q.pending {
		n += q.pending[i].Len()
	}
	return n
}

// signal wakes every Dequeue waiting on q.
func (q *queue) signal() {
	if q.waiters > 0 {
		close(q.notify)
		q.notify = make(chan struct{})
	}
}

// queue returns the queue called name, creating it on first use.
func (b *Backend) queue(name string) *queue {
	q, ok := b.queues[name]
	if !ok {
		q = &queue{name: name, notify: make(chan struct{})}
		b.queues[name] = q
	}
	return q
}

// counters are the figures of finished attempts.
type counters struct {
	processed int64
	succeeded int64
	failed    int64
	timed     int64         // attempts whose duration is known (acknowledged ones)
	duration  time.Duration // total duration of the timed attempts
}

// count adds one finished attempt; d < 0 means its duration is unknown (a
// lease that expired).
func (c *counters) count(success bool, d time.Duration) {
	c.processed++
	if success {
		c.succeeded++
	} else {
		c.failed++
	}
	if d >= 0 {
		c.timed++
		c.duration += d
	}
}

// avg is the mean duration of the timed attempts.
func (c *counters) avg() time.Duration {
	if c.timed == 0 {
		return 0
	}
	return c.duration / time.Duration(c.timed)
}
