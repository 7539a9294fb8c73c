package faults

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jobsgo/jobs/runtime"
)

// WorkerOptions configure one worker process (cmd/faultworker): a
// runtime.Pool on the Redis backend serving one queue with the handlers
// of Handlers.
type WorkerOptions struct {
	RedisURL string // set by Env.StartWorker
	Prefix   string // key prefix; default the backend's
	Ledger   string // ledger file; set by Env.StartWorker
	Queue    string // default runtime.DefaultQueue
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
	// ClockOffset moves the worker's clock (pool and backend) by this much.
	ClockOffset time.Duration
	// Handlers maps each job type the worker serves to its behaviour.
	Handlers map[string]Behaviour
	// Database is the PostgreSQL URL of the tenants; set by
	// Env.StartWorker after Env.StartPostgres.
	Database string
	// TenantHandlers maps each tenant job type the worker serves to its
	// behaviour (see Behaviour.TenantHandler); they need Database.
	TenantHandlers map[string]Behaviour
}

// withDefaults fills the zero fields that have suite defaults.
func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.Queue == "" {
		o.Queue = runtime.DefaultQueue
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
		"-clock-offset", o.ClockOffset.String(),
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
	fs.StringVar(&o.Queue, "queue", runtime.DefaultQueue, "queue to serve")
	fs.IntVar(&o.Workers, "workers", 4, "concurrent jobs")
	fs.DurationVar(&o.Lease, "lease", time.Second, "job lease")
	fs.DurationVar(&o.JobTimeout, "job-timeout", 0, "attempt timeout (0: the pool's default)")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 0, "shutdown wait for running jobs (0: the pool's default)")
	fs.DurationVar(&o.SchedulerInterval, "scheduler-interval", 100*time.Millisecond, "scheduler interval")
	fs.DurationVar(&o.RetryDelay, "retry-delay", 0, "constant delay before each retry (0: the pool's default backoff)")
	fs.DurationVar(&o.ClockOffset, "clock-offset", 0, "added to the worker's clock")
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
