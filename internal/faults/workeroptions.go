package faults

import (
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// WorkerOptions configure one worker process (cmd/faultworker): a
// runtime.Pool on the Redis backend serving one queue with the handlers
// of Handlers.
type WorkerOptions struct {
	RedisURL string // set by Env.StartWorker
	Prefix   string // key prefix; default the backend's
	Ledger   string // ledger file; set by Env.StartWorker
	Queue    string // default jobs.DefaultQueue
	Workers  int    // concurrent jobs; default 4
	// Pool options; zero takes the pool's defaults, except Lease (1 s) and
	// SchedulerInterval (100 ms), short so that scenarios stay short.
	Lease             time.Duration
	JobTimeout        time.Duration
	ShutdownTimeout   time.Duration
	SchedulerInterval time.Duration
	// RetryDelay, when set, is the constant delay before each retry of a
	// failed attempt (the pool's default backoff starts at 1 s and doubles).
	RetryDelay time.Duration
	// TimeoutGrace is how long a handler may run on after its context
	// ended before the pool abandons it (0: the pool's default).
	TimeoutGrace time.Duration
	// ClockOffset moves the worker host's wall clock by this much
	// (wallclock.SetOffset), as on a host whose clock is wrong.
	ClockOffset time.Duration
	// AllowEviction accepts a Redis that may evict keys
	// (redis.WithAllowEviction); without it the worker refuses to start.
	AllowEviction bool
	// Schedule, when its Count is set, makes the worker enqueue jobs at
	// start-up, before it serves (see Schedule).
	Schedule Schedule
	// Handlers maps each job type the worker serves to its behaviour.
	Handlers map[string]Behaviour
	// Database is the PostgreSQL URL of the tenants; set by
	// Env.StartWorker after Env.StartPostgres.
	Database string
	// TenantHandlers maps each tenant job type the worker serves to its
	// behaviour (see Behaviour.TenantHandler); they need Database.
	TenantHandlers map[string]Behaviour
	// DBConns bounds the worker's PostgreSQL connections (default Workers
	// + 2); 1 makes every tenant job run on the same connection.
	DBConns int
}

// Schedule is a batch of jobs a worker enqueues at start-up with its own
// client and clock, each due In after its enqueue: IDs Prefix-000,
// Prefix-001 ... It records each enqueue in the ledger just before it
// (EventEnqueue).
type Schedule struct {
	Type   string
	Prefix string
	Count  int
	In     time.Duration
}

// String is the flag form ParseSchedule reads: "TYPE:PREFIX:COUNT:IN".
func (s Schedule) String() string {
	return fmt.Sprintf("%s:%s:%d:%s", s.Type, s.Prefix, s.Count, s.In)
}

// ID is the ID of the i-th job of the schedule.
func (s Schedule) ID(i int) string { return fmt.Sprintf("%s-%03d", s.Prefix, i) }

// IDs are the IDs of the schedule's jobs.
func (s Schedule) IDs() []string {
	ids := make([]string, s.Count)
	for i := range ids {
		ids[i] = s.ID(i)
	}
	return ids
}

// ParseSchedule parses the form String writes.
func ParseSchedule(v string) (Schedule, error) {
	f := strings.Split(v, ":")
	if len(f) != 4 || f[0] == "" || f[1] == "" {
		return Schedule{}, fmt.Errorf("schedule %q: want TYPE:PREFIX:COUNT:IN", v)
	}
	count, err := strconv.Atoi(f[2])
	if err != nil || count < 1 {
		return Schedule{}, fmt.Errorf("schedule %q: count must be a positive integer", v)
	}
	in, err := time.ParseDuration(f[3])
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: %w", v, err)
	}
	return Schedule{Type: f[0], Prefix: f[1], Count: count, In: in}, nil
}

// withDefaults fills the zero fields that have suite defaults.
func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.Queue == "" {
		o.Queue = jobs.DefaultQueue
	}
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.Lease == 0 {
		o.Lease = time.Second
	}
	if o.SchedulerInterval == 0 {
		o.SchedulerInterval = 100 * time.Millisecond
	}
	return o
}

// Args are the command-line flags that give a worker these options.
func (o WorkerOptions) Args() []string {
	o = o.withDefaults()
	args := []string{
		"-redis", o.RedisURL, "-ledger", o.Ledger, "-queue", o.Queue,
		"-workers", fmt.Sprint(o.Workers), "-lease", o.Lease.String(),
		"-job-timeout", o.JobTimeout.String(), "-shutdown-timeout", o.ShutdownTimeout.String(),
		"-scheduler-interval", o.SchedulerInterval.String(), "-retry-delay", o.RetryDelay.String(),
		"-timeout-grace", o.TimeoutGrace.String(), "-clock-offset", o.ClockOffset.String(),
		"-db-conns", fmt.Sprint(o.DBConns),
	}
	if o.AllowEviction {
		args = append(args, "-allow-eviction")
	}
	if o.Schedule.Count > 0 {
		args = append(args, "-schedule", o.Schedule.String())
	}
	if o.Prefix != "" {
		args = append(args, "-prefix", o.Prefix)
	}
	if o.Database != "" {
		args = append(args, "-database", o.Database)
	}
	args = append(args, handlerArgs("-handle", o.Handlers)...)
	return append(args, handlerArgs("-tenant-handle", o.TenantHandlers)...)
}

// handlerArgs are the flags "flag TYPE=BEHAVIOUR" of handlers, by type.
func handlerArgs(flag string, handlers map[string]Behaviour) []string {
	types := make([]string, 0, len(handlers))
	for t := range handlers {
		types = append(types, t)
	}
	sort.Strings(types)
	var args []string
	for _, t := range types {
		args = append(args, flag, t+"="+handlers[t].String())
	}
	return args
}

// RegisterFlags defines on fs the flags Args writes, parsed into o.
func (o *WorkerOptions) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.RedisURL, "redis", "", "Redis URL (required)")
	fs.StringVar(&o.Prefix, "prefix", "", "key prefix (default: the backend's)")
	fs.StringVar(&o.Ledger, "ledger", "", "ledger file to append handler events to (required)")
	fs.StringVar(&o.Queue, "queue", jobs.DefaultQueue, "queue to serve")
	fs.IntVar(&o.Workers, "workers", 4, "concurrent jobs")
	fs.DurationVar(&o.Lease, "lease", time.Second, "job lease")
	fs.DurationVar(&o.JobTimeout, "job-timeout", 0, "attempt timeout (0: the pool's default)")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 0, "shutdown wait for running jobs (0: the pool's default)")
	fs.DurationVar(&o.SchedulerInterval, "scheduler-interval", 100*time.Millisecond, "scheduler interval")
	fs.DurationVar(&o.RetryDelay, "retry-delay", 0, "constant delay before each retry (0: the pool's default backoff)")
	fs.DurationVar(&o.TimeoutGrace, "timeout-grace", 0, "run-on allowed past a handler's context before it is abandoned (0: the pool's default)")
	fs.DurationVar(&o.ClockOffset, "clock-offset", 0, "added to the worker host's wall clock (wallclock.SetOffset)")
	fs.BoolVar(&o.AllowEviction, "allow-eviction", false, "accept a Redis that may evict keys (redis.WithAllowEviction)")
	fs.Func("schedule", "TYPE:PREFIX:COUNT:IN: enqueue COUNT jobs due IN from now at start-up", func(v string) error {
		var err error
		o.Schedule, err = ParseSchedule(v)
		return err
	})
	fs.IntVar(&o.DBConns, "db-conns", 0, "PostgreSQL connections (0: workers + 2)")
	fs.StringVar(&o.Database, "database", "", "PostgreSQL URL of the tenants (needed by -tenant-handle)")
	fs.Func("handle", "TYPE=BEHAVIOUR: serve TYPE with a handler that behaves so (repeatable; see Behaviour)", handlerFlag(&o.Handlers))
	fs.Func("tenant-handle", "TYPE=BEHAVIOUR: serve TYPE with a tenant handler that behaves so (repeatable)", handlerFlag(&o.TenantHandlers))
}

// handlerFlag parses "TYPE=BEHAVIOUR" into handlers.
func handlerFlag(handlers *map[string]Behaviour) func(string) error {
	return func(s string) error {
		jobType, spec, ok := strings.Cut(s, "=")
		if !ok || jobType == "" {
			return fmt.Errorf("%q: want TYPE=BEHAVIOUR", s)
		}
		b, err := ParseBehaviour(spec)
		if err != nil {
			return err
		}
		if *handlers == nil {
			*handlers = make(map[string]Behaviour)
		}
		(*handlers)[jobType] = b
		return nil
	}
}
