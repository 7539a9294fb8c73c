package runtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

// handlerSet is the executor's view of the registry: each job type's
// handler with the pool's middleware chain around it, built once per type,
// and the retry decision that turns an attempt into the job's next state.
type handlerSet struct {
	registry   *Registry
	middleware []Middleware
	tenants    jobs.TenantExecutor
	retry      jobs.RetryPolicy // the pool's, for jobs and handlers with none
	random     func() float64   // jitter
	cache      sync.Map         // job type -> *preparedHandler
}

func newHandlerSet(registry *Registry, cfg PoolConfig) *handlerSet {
	return &handlerSet{registry: registry, middleware: cfg.Middleware, tenants: cfg.Tenants, retry: cfg.Retry, random: cfg.Random}
}

// preparedHandler is a registration with the pool's handler chain built
// around it: the chain is built once per job type, not once per job.
type preparedHandler struct {
	reg registration
	// run is RecoverPanics(pool middleware(type middleware(handler))),
	// a tenant handler adapted to run in its tenant's scope.
	run Handler
}

// lookup returns the prepared handler of jobType, building and caching
// it on first use; ok is false when no handler is registered for it.
func (h *handlerSet) lookup(jobType string) (ph *preparedHandler, ok bool) {
	if v, ok := h.cache.Load(jobType); ok {
		return v.(*preparedHandler), true
	}
	reg, ok := h.registry.lookup(jobType)
	if !ok {
		return nil, false
	}
	run := reg.handler
	if reg.tenant != nil {
		run = h.tenantHandler(reg.tenant)
	}
	ph = &preparedHandler{reg: reg, run: RecoverPanics(chain(chain(run, reg.config.Middleware), h.middleware))}
	v, _ := h.cache.LoadOrStore(jobType, ph) // registrations never change
	return v.(*preparedHandler), true
}

func (h *handlerSet) tenantHandler(th TenantHandler) Handler {
	return func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		var result json.RawMessage
		err := h.tenants.RunInTenant(ctx, job.TenantID, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			result, err = th(ctx, tx, job)
			return err
		})
		return result, err
	}
}

// decide turns an attempt into the job's next state: completed, retrying
// (with its backoff) or failed.
func (h *handlerSet) decide(job jobs.Job, a attempt, now time.Time) jobs.Job {
	if a.err == nil {
		next, err := job.Complete(a.result, now)
		if err == nil {
			return next
		}
		a = attempt{err: err, permanent: true, errType: jobs.ErrorTypeCorrupt}
	}
	jobErr := toJobError(a)
	if a.permanent || errors.Is(a.err, jobs.ErrSkipRetry) || job.RetriesLeft() == 0 {
		return mustTransition(job.Fail(jobErr, now))
	}
	policy := h.retryPolicy(job)
	at := now.Add(policy.Delay(job.Charged(), h.random()))
	return mustTransition(job.PrepareRetry(jobErr, at, now))
}

// retryPolicy resolves the job's policy: the most specific one set (the
// job's own, else its handler's, else the pool's) wins whole; its zero
// fields take the RetryPolicy defaults.
func (h *handlerSet) retryPolicy(job jobs.Job) jobs.RetryPolicy {
	if job.Retry != nil {
		return job.Retry.WithDefaults()
	}
	if ph, ok := h.lookup(job.Type); ok && ph.reg.config.Retry != nil {
		return ph.reg.config.Retry.WithDefaults()
	}
	return h.retry.WithDefaults()
}

func toJobError(a attempt) jobs.JobError {
	var pe *PanicError
	switch {
	case errors.As(a.err, &pe):
		return jobs.JobError{Type: jobs.ErrorTypePanic, Message: pe.Error(), Stacktrace: pe.Stack}
	case a.timedOut:
		return jobs.JobError{Type: jobs.ErrorTypeTimeout, Message: fmt.Sprintf("attempt timed out after %s: %v", a.timeout, a.err)}
	case a.errType != "":
		return jobs.JobError{Type: a.errType, Message: a.err.Error()}
	}
	return jobs.JobError{Type: errorTypeName(a.err), Message: a.err.Error()}
}

// errorTypeName names the Go type of the innermost error of err's chain,
// the one that says what went wrong ("*fs.PathError", "*net.OpError").
func errorTypeName(err error) string {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				next = errs[len(errs)-1]
			}
		}
		if next == nil {
			break
		}
		err = next
	}
	name := fmt.Sprintf("%T", err)
	if name == "*errors.errorString" {
		return "error"
	}
	return name
}

func randomFloat() float64 { return rand.Float64() }
