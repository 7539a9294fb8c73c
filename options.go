package jobs

import (
	"fmt"
	"time"
)

// DefaultMaxRetries is how many times a failed job is retried unless the
// caller or the handler annotation says otherwise.
const DefaultMaxRetries = 3

// EnqueueOptions is the resolved form of a list of EnqueueOption. Zero fields
// mean "use the default". Tests and mocks read it with ResolveEnqueueOptions.
type EnqueueOptions struct {
	Queue      string
	Priority   Priority
	MaxRetries *int // nil: DefaultMaxRetries
	RunAt      time.Time
	RunIn      time.Duration
	Metadata   map[string]string
	TenantID   string
	JobID      string
	Retry      *RetryPolicy
	Timeout    time.Duration
	Unique     *UniqueOptions
}

// EnqueueOption sets one enqueue option. Later options override earlier
// ones, so generated code puts annotation defaults first and the caller's
// options after them.
type EnqueueOption func(*EnqueueOptions)

// ResolveEnqueueOptions applies opts in order to a zero EnqueueOptions.
func ResolveEnqueueOptions(opts ...EnqueueOption) EnqueueOptions {
	var o EnqueueOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithQueue puts the job on the named queue.
func WithQueue(name string) EnqueueOption {
	return func(o *EnqueueOptions) { o.Queue = name }
}

// WithPriority sets the job's priority within its queue.
func WithPriority(p Priority) EnqueueOption {
	return func(o *EnqueueOptions) { o.Priority = p }
}

// WithMaxRetries sets how many times the job is retried after its first
// attempt fails (0: never retried).
func WithMaxRetries(n int) EnqueueOption {
	return func(o *EnqueueOptions) { o.MaxRetries = &n }
}

// RunAt schedules the job for t. A time not after now enqueues it at once.
func RunAt(t time.Time) EnqueueOption {
	return func(o *EnqueueOptions) { o.RunAt, o.RunIn = t, 0 }
}

// RunIn schedules the job to run d from now.
func RunIn(d time.Duration) EnqueueOption {
	return func(o *EnqueueOptions) { o.RunIn, o.RunAt = d, time.Time{} }
}

// WithMetadata adds a key/value pair to the job's metadata.
func WithMetadata(key, value string) EnqueueOption {
	return func(o *EnqueueOptions) {
		if o.Metadata == nil {
			o.Metadata = make(map[string]string)
		}
		o.Metadata[key] = value
	}
}

// ForTenant runs the job on behalf of tenantID.
func ForTenant(tenantID string) EnqueueOption {
	return func(o *EnqueueOptions) { o.TenantID = tenantID }
}

// WithJobID gives the job a caller-chosen ID instead of a generated UUID.
// Enqueueing a second job with an ID in use fails with ErrDuplicateJob. An
// ID in the form of generated ones (GeneratedIDForm) is trusted to be
// unique as they are: a backend may check it in its own queue only.
func WithJobID(id string) EnqueueOption {
	return func(o *EnqueueOptions) { o.JobID = id }
}

// WithRetryPolicy overrides the handler's retry policy for this job.
func WithRetryPolicy(p RetryPolicy) EnqueueOption {
	return func(o *EnqueueOptions) { o.Retry = &p }
}

// WithTimeout bounds each attempt of the job to d.
func WithTimeout(d time.Duration) EnqueueOption {
	return func(o *EnqueueOptions) { o.Timeout = d }
}

func (o EnqueueOptions) withDefaults() EnqueueOptions {
	if o.Queue == "" {
		o.Queue = DefaultQueue
	}
	if o.Priority == 0 {
		o.Priority = PriorityNormal
	}
	if o.MaxRetries == nil {
		o.MaxRetries = &defaultMaxRetries
	}
	return o
}

// defaultMaxRetries is what withDefaults points MaxRetries at, sparing an
// allocation on every NewJob: the options it resolves are only read.
var defaultMaxRetries = DefaultMaxRetries

func (o EnqueueOptions) validate() error {
	if err := ValidateQueueName(o.Queue); err != nil {
		return err
	}
	if !o.Priority.Valid() {
		return fmt.Errorf("%w: priority %d is not one of critical, high, normal, low", ErrInvalidJob, int8(o.Priority))
	}
	if *o.MaxRetries < 0 {
		return fmt.Errorf("%w: max retries %d is negative", ErrInvalidJob, *o.MaxRetries)
	}
	if o.RunIn < 0 {
		return fmt.Errorf("%w: run-in delay %s is negative", ErrInvalidJob, o.RunIn)
	}
	if o.Timeout < 0 {
		return fmt.Errorf("%w: timeout %s is negative", ErrInvalidJob, o.Timeout)
	}
	if o.JobID != "" {
		if err := ValidateJobID(o.JobID); err != nil {
			return err
		}
	}
	if o.Retry != nil {
		if err := o.Retry.Validate(); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidJob, err)
		}
	}
	if o.Unique != nil {
		if o.Unique.TTL < 0 {
			return fmt.Errorf("%w: unique TTL %s is negative", ErrInvalidJob, o.Unique.TTL)
		}
		if o.Unique.Key != "" {
			if err := validateName("unique key", o.Unique.Key); err != nil {
				return err
			}
		}
	}
	for k := range o.Metadata {
		if k == "" {
			return fmt.Errorf("%w: metadata key is empty", ErrInvalidJob)
		}
	}
	return nil
}
