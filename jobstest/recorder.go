package jobstest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// Spec describes the job type a Recorder records.
type Spec struct {
	// JobType is the type of the jobs, as the real Client enqueues them.
	JobType string
	// Setter names the mock method that sets the jobs' outcome function
	// (SetXResult), for the error of a job that has none.
	Setter string
	// NoTenant is the error the real Client returns for a call without a
	// tenant ID, for a job type enqueued per tenant; nil for other types.
	NoTenant error
}

// Call is one recorded call of a mock's EnqueueX or ScheduleX, or one job of
// its EnqueueXBatch, with args of type A.
type Call[A any] struct {
	// Args are the job's args.
	Args A
	// TenantID is the tenant the job was enqueued for; empty for a job type
	// that is not enqueued per tenant.
	TenantID string
	// At is the time passed to ScheduleX; zero for EnqueueX and EnqueueXBatch.
	At time.Time
	// Options are the call's options resolved after the annotation's defaults,
	// as the real Client would enqueue them. Fields that neither the annotation
	// nor the caller set are zero (Queue "", MaxRetries nil); Job carries the
	// values the job got, the runtime's defaults filled in. Unique records a
	// Unique or UniqueByKey option, which the mock does not enforce. It prints
	// its set fields by value (jobs.EnqueueOptions.String).
	Options jobs.EnqueueOptions
	// Job is the job the call returned; zero when it failed.
	Job jobs.Job
	// Err is the error the call returned.
	Err error
}

// Recorder records the calls of one job type, with args of type A and
// results of type R (NoResult for a handler without one). Make it with
// NewRecorder; it is safe for concurrent use.
type Recorder[A, R any] struct {
	journal *Journal
	spec    Spec

	// Guarded by journal.mu.
	calls   []Call[A]
	err     error
	outcome Outcome[A, R]
}

// NewRecorder returns a Recorder of the job type spec describes that keeps
// its jobs in j, under j's lock, and that j.Reset resets.
func NewRecorder[A, R any](j *Journal, spec Spec) *Recorder[A, R] {
	r := &Recorder[A, R]{journal: j, spec: spec}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.recorders = append(j.recorders, r)
	return r
}

// reset forgets r's calls, injected error and outcome function. The caller
// holds r.journal.mu.
func (r *Recorder[A, R]) reset() {
	r.calls, r.err, r.outcome = nil, nil, nil
}

// Enqueue records a call of EnqueueX and returns the job the real Client
// would enqueue, or the error set with Fail. opts are the job's options, the
// annotation's defaults first.
func (r *Recorder[A, R]) Enqueue(ctx context.Context, args A, opts ...jobs.EnqueueOption) (jobs.Job, error) {
	return r.record(ctx, Call[A]{Args: args}, opts)
}

// EnqueueForTenant is Enqueue for tenantID: the job gets
// jobs.ForTenant(tenantID) after opts.
func (r *Recorder[A, R]) EnqueueForTenant(ctx context.Context, tenantID string, args A, opts ...jobs.EnqueueOption) (jobs.Job, error) {
	return r.record(ctx, Call[A]{Args: args, TenantID: tenantID}, opts, jobs.ForTenant(tenantID))
}

// Schedule records a call of ScheduleX: Enqueue of a job that gets
// jobs.RunAt(at) after opts.
func (r *Recorder[A, R]) Schedule(ctx context.Context, at time.Time, args A, opts ...jobs.EnqueueOption) (jobs.Job, error) {
	return r.record(ctx, Call[A]{Args: args, At: at}, opts, jobs.RunAt(at))
}

// ScheduleForTenant is Schedule for tenantID: the job gets
// jobs.ForTenant(tenantID), then jobs.RunAt(at), after opts.
func (r *Recorder[A, R]) ScheduleForTenant(ctx context.Context, tenantID string, at time.Time, args A, opts ...jobs.EnqueueOption) (jobs.Job, error) {
	return r.record(ctx, Call[A]{Args: args, TenantID: tenantID, At: at}, opts, jobs.ForTenant(tenantID), jobs.RunAt(at))
}

// EnqueueBatch records a call of EnqueueXBatch: one Call per element of
// args. It returns the jobs the real Client would enqueue, or the error set
// with Fail. Like the real Client it enqueues all or none: when one job
// fails, every call of the batch is recorded with the error, which names the
// failed item.
func (r *Recorder[A, R]) EnqueueBatch(ctx context.Context, args []A, opts ...jobs.EnqueueOption) ([]jobs.Job, error) {
	return r.recordBatch(ctx, "", args, opts)
}

// EnqueueBatchForTenant is EnqueueBatch for tenantID: every job gets
// jobs.ForTenant(tenantID) after opts.
func (r *Recorder[A, R]) EnqueueBatchForTenant(ctx context.Context, tenantID string, args []A, opts ...jobs.EnqueueOption) ([]jobs.Job, error) {
	return r.recordBatch(ctx, tenantID, args, opts, jobs.ForTenant(tenantID))
}

// record resolves c's options, opts then last, creates its job and keeps
// both the call and the job.
func (r *Recorder[A, R]) record(ctx context.Context, c Call[A], opts []jobs.EnqueueOption, last ...jobs.EnqueueOption) (jobs.Job, error) {
	c.Options = jobs.ResolveEnqueueOptions(slices.Concat(opts, last)...)
	r.journal.mu.Lock()
	defer r.journal.mu.Unlock()
	c.Job, c.Err = r.newJob(ctx, c.TenantID, c.Args, c.Options)
	if c.Err == nil {
		r.journal.jobs = append(r.journal.jobs, c.Job)
	}
	r.calls = append(r.calls, c)
	return c.Job, c.Err
}

// recordBatch creates the jobs of args, all or none, and keeps them with one
// call each.
func (r *Recorder[A, R]) recordBatch(ctx context.Context, tenantID string, args []A, opts []jobs.EnqueueOption, last ...jobs.EnqueueOption) ([]jobs.Job, error) {
	o := jobs.ResolveEnqueueOptions(slices.Concat(opts, last)...)
	r.journal.mu.Lock()
	defer r.journal.mu.Unlock()
	batch := make([]jobs.Job, 0, len(args))
	var err error
	for i, a := range args {
		job, jobErr := r.newJob(ctx, tenantID, a, o)
		if jobErr != nil {
			batch, err = nil, fmt.Errorf("batch item %d: %w", i, jobErr)
			break
		}
		batch = append(batch, job)
	}
	r.journal.jobs = append(r.journal.jobs, batch...)
	for i, a := range args {
		c := Call[A]{Args: a, TenantID: tenantID, Options: o, Err: err}
		if err == nil {
			c.Job = batch[i]
		}
		r.calls = append(r.calls, c)
	}
	return batch, err
}

// newJob creates the job of a call as the real Client would, with the same
// validation, or returns the error of a missing tenant ID, then the injected
// error, then ctx's. The caller holds r.journal.mu.
func (r *Recorder[A, R]) newJob(ctx context.Context, tenantID string, args A, o jobs.EnqueueOptions) (jobs.Job, error) {
	if r.spec.NoTenant != nil && tenantID == "" {
		return jobs.Job{}, r.spec.NoTenant
	}
	if r.err != nil {
		return jobs.Job{}, r.err
	}
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, err
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("%w: encode args of %s: %v", jobs.ErrInvalidJob, r.spec.JobType, err)
	}
	return jobs.NewJob(r.spec.JobType, raw, o, r.journal.now())
}

// Fail makes the later calls fail with err, recorded with Err set and no
// job enqueued; nil makes them succeed again.
func (r *Recorder[A, R]) Fail(err error) {
	r.journal.mu.Lock()
	defer r.journal.mu.Unlock()
	r.err = err
}

// Calls returns the calls so far, oldest first, failed ones included.
func (r *Recorder[A, R]) Calls() []Call[A] {
	r.journal.mu.Lock()
	defer r.journal.mu.Unlock()
	return slices.Clone(r.calls)
}

// AssertEnqueued reports a test error unless a job whose args satisfy match
// (nil matches any) was enqueued, listing the calls there were. It returns
// whether one was.
func (r *Recorder[A, R]) AssertEnqueued(t testing.TB, match func(A) bool) bool {
	t.Helper()
	calls := r.Calls()
	seen := make([]string, 0, len(calls))
	for _, c := range calls {
		if c.Err == nil && (match == nil || match(c.Args)) {
			return true
		}
		seen = append(seen, describeCall(c.Args, c.Err))
	}
	t.Errorf("%s: no matching %s job was enqueued; calls: %s", mockName, r.spec.JobType, describeCalls(seen))
	return false
}

// AssertNotEnqueued reports a test error, listing them, if jobs whose args
// satisfy match (nil matches any) were enqueued. It returns whether none
// was.
func (r *Recorder[A, R]) AssertNotEnqueued(t testing.TB, match func(A) bool) bool {
	t.Helper()
	var found []string
	for _, c := range r.Calls() {
		if c.Err == nil && (match == nil || match(c.Args)) {
			found = append(found, describeCall(c.Args, nil))
		}
	}
	if len(found) > 0 {
		t.Errorf("%s: %d matching %s job(s) enqueued: %s", mockName, len(found), r.spec.JobType, describeCalls(found))
		return false
	}
	return true
}

// describeCall formats one call for a failure message.
func describeCall(args any, err error) string {
	s := fmt.Sprintf("%+v", args)
	if err != nil {
		s += " (failed: " + err.Error() + ")"
	}
	return s
}

// describeCalls formats calls one per line for a failure message.
func describeCalls(calls []string) string {
	if len(calls) == 0 {
		return "none"
	}
	return "\n\t" + strings.Join(calls, "\n\t")
}
