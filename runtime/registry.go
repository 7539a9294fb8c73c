package runtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

// Handler runs one attempt of a job and returns its JSON result (nil for
// none). Generated code adapts typed handlers to this form.
type Handler func(ctx context.Context, job jobs.Job) (json.RawMessage, error)

// Middleware wraps a handler, for logging, metrics, tracing or recovery.
// A pool wraps each job type's handler once, when it first runs one of its
// jobs, and calls the result for every job: the work of a middleware
// belongs in the handler it returns.
type Middleware func(next Handler) Handler

// TenantHandler runs one attempt of a tenant job inside a transaction whose
// search_path is the tenant's schema. See TenantExecutor.
type TenantHandler func(ctx context.Context, tx *sql.Tx, job jobs.Job) (json.RawMessage, error)

// HandlerConfig is what a registration knows of a job type besides its code.
type HandlerConfig struct {
	// Retry is the retry policy of the type's jobs unless a job carries its
	// own; it overrides the pool's policy whole, and its zero fields take
	// the RetryPolicy defaults.
	Retry *jobs.RetryPolicy
	// Timeout bounds each attempt unless the job sets its own; 0 uses the
	// pool's default.
	Timeout time.Duration
	// Middleware wraps this type's handler inside the pool's middleware.
	Middleware []Middleware
	// Queue is the queue the type's jobs go to unless enqueued with
	// WithQueue (generated code sets the annotation's queue=); "" means
	// DefaultQueue. Pools serve it by default and warn when they do not.
	Queue string
}

// HandlerOption sets part of a HandlerConfig.
type HandlerOption func(*HandlerConfig)

// WithHandlerRetry sets the default retry policy of a job type.
func WithHandlerRetry(p jobs.RetryPolicy) HandlerOption {
	return func(c *HandlerConfig) { c.Retry = &p }
}

// WithHandlerTimeout sets the default per-attempt timeout of a job type.
func WithHandlerTimeout(d time.Duration) HandlerOption {
	return func(c *HandlerConfig) { c.Timeout = d }
}

// WithHandlerQueue declares the queue a job type's jobs go to unless they
// are enqueued with WithQueue: a pool with no PoolConfig.Queues serves it,
// and a pool that does not serve it logs a warning at Start.
func WithHandlerQueue(queue string) HandlerOption {
	return func(c *HandlerConfig) { c.Queue = queue }
}

// WithHandlerMiddleware adds middleware around one job type's handler.
func WithHandlerMiddleware(mw ...Middleware) HandlerOption {
	return func(c *HandlerConfig) { c.Middleware = append(c.Middleware, mw...) }
}

type registration struct {
	handler Handler       // set for ordinary handlers
	tenant  TenantHandler // set for tenant handlers
	config  HandlerConfig
}

// Registry maps job types to handlers. Register everything before the pool
// starts; a Registry is safe for concurrent use.
type Registry struct {
	mu       sync.RWMutex
	handlers map[string]registration
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{handlers: make(map[string]registration)}
}

// Register adds the handler of jobType. Registering a type twice is an error.
func (r *Registry) Register(jobType string, h Handler, opts ...HandlerOption) error {
	if h == nil {
		return fmt.Errorf("register %q: handler is nil", jobType)
	}
	return r.add(jobType, registration{handler: h}, opts)
}

// RegisterTenant adds a tenant-scoped handler of jobType: its jobs must carry
// a tenant ID and run through the pool's TenantExecutor.
func (r *Registry) RegisterTenant(jobType string, h TenantHandler, opts ...HandlerOption) error {
	if h == nil {
		return fmt.Errorf("register %q: handler is nil", jobType)
	}
	return r.add(jobType, registration{tenant: h}, opts)
}

func (r *Registry) add(jobType string, reg registration, opts []HandlerOption) error {
	if err := jobs.ValidateJobType(jobType); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	for _, o := range opts {
		o(&reg.config)
	}
	if reg.config.Retry != nil {
		if err := reg.config.Retry.Validate(); err != nil {
			return fmt.Errorf("register %q: %w", jobType, err)
		}
	}
	if reg.config.Queue != "" {
		if err := jobs.ValidateQueueName(reg.config.Queue); err != nil {
			return fmt.Errorf("register %q: %w", jobType, err)
		}
	}
	if reg.config.Timeout < 0 {
		return fmt.Errorf("register %q: timeout %s is negative", jobType, reg.config.Timeout)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[jobType]; dup {
		return fmt.Errorf("register %q: job type is registered already", jobType)
	}
	r.handlers[jobType] = reg
	return nil
}

// Types lists the registered job types, sorted.
func (r *Registry) Types() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	types := make([]string, 0, len(r.handlers))
	for t := range r.handlers {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

func (r *Registry) lookup(jobType string) (registration, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	reg, ok := r.handlers[jobType]
	return reg, ok
}

func (r *Registry) hasTenantHandlers() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, reg := range r.handlers {
		if reg.tenant != nil {
			return true
		}
	}
	return false
}

// DecodeArgs decodes a job's JSON args into T. A failure is permanent (the
// same bytes will never decode), so it is wrapped with SkipRetry.
func DecodeArgs[T any](job jobs.Job) (T, error) {
	var args T
	if err := json.Unmarshal(job.Args, &args); err != nil {
		return args, jobs.SkipRetry(fmt.Errorf("decode args of %s job %s: %w", job.Type, job.ID, err))
	}
	return args, nil
}

func encodeResult[R any](job jobs.Job, r R) (json.RawMessage, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode result of %s job %s: %w", job.Type, job.ID, err)
	}
	return b, nil
}

// TypedHandler adapts func(ctx, T) (R, error) to a Handler: it decodes the
// args into T and encodes R as the job's result.
func TypedHandler[T, R any](fn func(context.Context, T) (R, error)) Handler {
	return func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		args, err := DecodeArgs[T](job)
		if err != nil {
			return nil, err
		}
		r, err := fn(ctx, args)
		if err != nil {
			return nil, err
		}
		return encodeResult(job, r)
	}
}

// TypedHandlerNoResult adapts func(ctx, T) error to a Handler.
func TypedHandlerNoResult[T any](fn func(context.Context, T) error) Handler {
	return func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		args, err := DecodeArgs[T](job)
		if err != nil {
			return nil, err
		}
		return nil, fn(ctx, args)
	}
}

// TypedTenantHandler adapts func(ctx, tx, T) (R, error) to a TenantHandler.
func TypedTenantHandler[T, R any](fn func(context.Context, *sql.Tx, T) (R, error)) TenantHandler {
	return func(ctx context.Context, tx *sql.Tx, job jobs.Job) (json.RawMessage, error) {
		args, err := DecodeArgs[T](job)
		if err != nil {
			return nil, err
		}
		r, err := fn(ctx, tx, args)
		if err != nil {
			return nil, err
		}
		return encodeResult(job, r)
	}
}

// TypedTenantHandlerNoResult adapts func(ctx, tx, T) error to a TenantHandler.
func TypedTenantHandlerNoResult[T any](fn func(context.Context, *sql.Tx, T) error) TenantHandler {
	return func(ctx context.Context, tx *sql.Tx, job jobs.Job) (json.RawMessage, error) {
		args, err := DecodeArgs[T](job)
		if err != nil {
			return nil, err
		}
		return nil, fn(ctx, tx, args)
	}
}
