package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/plural"
)

// Client validates and enqueues jobs. It is safe for concurrent use.
// Generated code wraps it with one typed method per job type.
type Client struct {
	backend    jobs.Backend
	single     jobs.SingleEnqueuer // backend, when it has that capability
	clock      jobs.Clock
	hooks      []EnqueueHook
	maxPayload int // largest args in bytes, NoPayloadLimit for none
}

// EnqueueHook sees every job the client is about to store, with the
// enqueueing caller's context, and may change it: add metadata such as a
// trace context, or refuse it with an error. Hooks run after validation,
// in order.
type EnqueueHook func(ctx context.Context, job *jobs.Job) error

// WithEnqueueHook adds hooks that run on every job before it is stored.
func WithEnqueueHook(hooks ...EnqueueHook) ClientOption {
	return func(c *Client) { c.hooks = append(c.hooks, hooks...) }
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithClientClock makes the client stamp jobs with clock instead of the
// backend's clock (TimeSource), for tests.
func WithClientClock(clock jobs.Clock) ClientOption {
	return func(c *Client) { c.clock = clock }
}

// NewClient returns a client that enqueues into backend. It stamps jobs
// (creation and execute-at times) with the backend's clock when the
// backend is a TimeSource, else with SystemClock.
func NewClient(backend jobs.Backend, opts ...ClientOption) *Client {
	c := &Client{backend: backend, clock: backendClock(backend), maxPayload: DefaultMaxPayloadSize}
	c.single, _ = backend.(jobs.SingleEnqueuer)
	for _, o := range opts {
		o(c)
	}
	return c
}

// Backend returns the backend the client enqueues into.
func (c *Client) Backend() jobs.Backend { return c.backend }

// Enqueue creates a job of jobType with JSON args and stores it. It returns
// the job as stored (pending, or scheduled for RunAt/RunIn).
//
// Args over the client's limit (DefaultMaxPayloadSize, WithMaxPayloadSize)
// fail with ErrPayloadTooLarge before the backend is called.
//
// For a unique job (Unique, UniqueByKey) whose key is held, it creates
// nothing and returns the job holding the key with an error matching
// ErrUniqueJobExists (a *UniqueJobExistsError).
//
// An error matching ErrOutcomeUnknown means the job may have been stored:
// retry with the same ID (WithJobID), and take ErrDuplicateJob on the
// retry to mean that an earlier try stored it.
func (c *Client) Enqueue(ctx context.Context, jobType string, args json.RawMessage, opts ...jobs.EnqueueOption) (jobs.Job, error) {
	job, err := c.newJob(ctx, jobType, args, opts)
	if err != nil {
		return jobs.Job{}, err
	}
	if err := c.store(ctx, job); err != nil {
		var dup *jobs.UniqueJobExistsError
		if errors.As(err, &dup) {
			existing, findErr := c.backend.Job(ctx, dup.ExistingJobID)
			if findErr != nil {
				existing = jobs.Job{ID: dup.ExistingJobID}
			}
			return existing, err
		}
		return jobs.Job{}, fmt.Errorf("enqueue %s job: %w", jobType, err)
	}
	job.FreshID = false
	return job, nil
}

// store stores one job: with EnqueueOne when the backend has it (see
// jobs.SingleEnqueuer).
func (c *Client) store(ctx context.Context, job jobs.Job) error {
	if c.single != nil {
		return c.single.EnqueueOne(ctx, job)
	}
	return c.backend.Enqueue(ctx, job)
}

// EnqueueRequest is one job of a batch.
type EnqueueRequest struct {
	Type    string
	Args    json.RawMessage
	Options []jobs.EnqueueOption
}

// EnqueueBatch creates and stores several jobs at once (one round trip on
// Redis). Either every job is stored or none is: one job whose args are
// over the client's limit fails the batch with ErrPayloadTooLarge before
// the backend is called.
func (c *Client) EnqueueBatch(ctx context.Context, reqs []EnqueueRequest) ([]jobs.Job, error) {
	now := c.clock.Now()
	batch := make([]jobs.Job, len(reqs))
	for i, r := range reqs {
		job, err := c.newJobAt(ctx, r.Type, r.Args, r.Options, now)
		if err != nil {
			return nil, fmt.Errorf("batch item %d: %w", i, err)
		}
		batch[i] = job
	}
	if len(batch) == 0 {
		return batch, nil
	}
	if err := c.backend.Enqueue(ctx, batch...); err != nil {
		return nil, fmt.Errorf("enqueue batch of %s: %w", plural.Count(len(batch), "job", "jobs"), err)
	}
	for i := range batch {
		batch[i].FreshID = false
	}
	return batch, nil
}

func (c *Client) newJob(ctx context.Context, jobType string, args json.RawMessage, opts []jobs.EnqueueOption) (jobs.Job, error) {
	return c.newJobAt(ctx, jobType, args, opts, c.clock.Now())
}

// newJobAt creates a job and runs the hooks on it. The size of the args is
// checked before NewJob validates and copies them, and again as the hooks
// left them.
func (c *Client) newJobAt(ctx context.Context, jobType string, args json.RawMessage, opts []jobs.EnqueueOption, now time.Time) (jobs.Job, error) {
	if err := c.checkPayload(jobType, args); err != nil {
		return jobs.Job{}, err
	}
	o := jobs.ResolveEnqueueOptions(opts...)
	job, err := jobs.NewJob(jobType, args, o, now)
	if err != nil {
		return jobs.Job{}, err
	}
	generated := job.ID
	if len(c.hooks) > 0 {
		// The hooks get a copy's address, so that a call without hooks
		// keeps its job off the heap.
		hooked := job
		for _, hook := range c.hooks {
			if err := hook(ctx, &hooked); err != nil {
				return jobs.Job{}, fmt.Errorf("enqueue %s job: %w", jobType, err)
			}
		}
		job = hooked
	}
	if err := c.checkPayload(jobType, job.Args); err != nil {
		return jobs.Job{}, err
	}
	// An ID that NewJob generated, and no hook replaced, is in use by no
	// job: the backend need not look (the job is enqueued once, and
	// returned with FreshID cleared).
	job.FreshID = o.JobID == "" && job.ID == generated
	return job, nil
}

// EnqueueValue JSON-encodes args and enqueues a job of jobType with them.
// Generated Enqueue methods call it with their typed args.
func EnqueueValue[T any](ctx context.Context, c *Client, jobType string, args T, opts ...jobs.EnqueueOption) (jobs.Job, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("%w: encode args of %s: %v", jobs.ErrInvalidJob, jobType, err)
	}
	return c.Enqueue(ctx, jobType, raw, opts...)
}

// Job returns the job with the given ID.
func (c *Client) Job(ctx context.Context, id string) (jobs.Job, error) {
	return c.backend.Job(ctx, id)
}

// Cancel cancels a job that has not started.
func (c *Client) Cancel(ctx context.Context, id string) (jobs.Job, error) {
	return c.backend.Cancel(ctx, id)
}

// RetryDeadLetter puts a failed job back on its queue with fresh attempts.
func (c *Client) RetryDeadLetter(ctx context.Context, id string) (jobs.Job, error) {
	return c.backend.RetryDeadLetter(ctx, id)
}
