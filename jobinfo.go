package jobs

import (
	"context"
	"maps"
	"time"
)

// JobInfo describes the job whose handler runs: what a handler needs to be
// idempotent (its ID) or to log and decide (its attempt, its metadata). Get
// it with JobFromContext.
type JobInfo struct {
	ID    string
	Type  string
	Queue string
	// Attempt is the number of this attempt, 1 for the first; attempts
	// refunded after a worker crash count too (see Job.Refunded).
	Attempt int
	// MaxRetries is how many retries the job gets after its first attempt.
	MaxRetries int
	// EnqueuedAt is when the job was created (Job.CreatedAt).
	EnqueuedAt time.Time
	// Metadata is a copy of the job's metadata: changing it changes nothing
	// stored.
	Metadata map[string]string
	// TenantID is the job's tenant, "" for none.
	TenantID string
}

// jobKey is the context key of the running job: a *Job set by the pool, or
// a JobInfo set by WithJobInfo.
type jobKey struct{}

// WithRunningJob returns a context that carries job for JobFromContext
// and TenantIDFromContext: what an engine gives the handler of one
// attempt. The job is read, never copied, until a handler asks for it, so
// the caller must not change it while the handler runs.
func WithRunningJob(ctx context.Context, job *Job) context.Context {
	return context.WithValue(ctx, jobKey{}, job)
}

// WithJobInfo returns a context that carries info, as the pool's handler
// contexts carry their job: for calling a handler in a unit test.
func WithJobInfo(ctx context.Context, info JobInfo) context.Context {
	info.Metadata = maps.Clone(info.Metadata)
	return context.WithValue(ctx, jobKey{}, info)
}

// JobFromContext returns the job whose handler runs in ctx; ok is false
// outside a handler (and outside WithJobInfo). Each call returns a fresh
// copy of the metadata.
func JobFromContext(ctx context.Context) (info JobInfo, ok bool) {
	switch v := ctx.Value(jobKey{}).(type) {
	case *Job:
		return JobInfo{
			ID:         v.ID,
			Type:       v.Type,
			Queue:      v.Queue,
			Attempt:    v.Attempt,
			MaxRetries: v.MaxRetries,
			EnqueuedAt: v.CreatedAt,
			Metadata:   maps.Clone(v.Metadata),
			TenantID:   v.TenantID,
		}, true
	case JobInfo:
		v.Metadata = maps.Clone(v.Metadata)
		return v, true
	}
	return JobInfo{}, false
}
