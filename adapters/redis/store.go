package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/runtime"
)

// staleClaimMillis is how old (in milliseconds) an ID index entry naming no job must be before a
// claim replaces it: younger ones may belong to an enqueue in flight.
const staleClaimMillis = 10_000

// claim reserves the IDs of jobs in the ID index, all or none (see
// claim.lua). An entry naming a job that no longer exists (trimmed, or
// left by an enqueue that failed half-way) is replaced once it is stale.
func (b *Backend) claim(ctx context.Context, jobs []runtime.Job) error {
	stale := make(map[string]string)
	for range 3 {
		args := make([]any, 0, 1+3*len(jobs))
		args = append(args, len(jobs))
		for _, j := range jobs {
			args = append(args, j.ID, j.Queue, stale[j.ID])
		}
		held, err := claimScript.Run(ctx, b.client, []string{b.indexKey}, args...).StringSlice()
		if err != nil {
			return fmt.Errorf("redis: claim job IDs: %w", err)
		}
		if len(held) == 0 {
			return nil
		}
		type entry struct{ id, value string }
		var check []entry
		for i := 0; i+2 < len(held); i += 3 {
			id, value := held[i], held[i+1]
			if age, err := strconv.ParseInt(held[i+2], 10, 64); err != nil || age < staleClaimMillis {
				return fmt.Errorf("%w: %s", runtime.ErrDuplicateJob, id)
			}
			check = append(check, entry{id, value})
		}
		cmds := make([]*goredis.IntCmd, len(check))
		_, err = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, e := range check {
				cmds[i] = p.Exists(ctx, b.queue(indexedQueue(e.value)).job(e.id))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("redis: check claimed job IDs: %w", err)
		}
		for i, e := range check {
			if cmds[i].Val() != 0 {
				return fmt.Errorf("%w: %s", runtime.ErrDuplicateJob, e.id)
			}
			stale[e.id] = e.value
		}
	}
	return fmt.Errorf("redis: claim job IDs: the index kept changing")
}

// indexedQueue returns the queue an ID index entry ("<ms> <queue>") names.
func indexedQueue(value string) string {
	_, q, _ := strings.Cut(value, " ")
	return q
}

// lookup finds the job with the given ID through the ID index. ok is false
// when the job's key holds something other than a hash.
func (b *Backend) lookup(ctx context.Context, id string) (k *queueKeys, r record, ok bool, err error) {
	if runtime.ValidateJobID(id) != nil {
		return nil, r, false, fmt.Errorf("%w: %q", runtime.ErrJobNotFound, id)
	}
	value, err := b.client.HGet(ctx, b.indexKey, id).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, r, false, fmt.Errorf("%w: %s", runtime.ErrJobNotFound, id)
	}
	if err != nil {
		return nil, r, false, fmt.Errorf("redis: find job %s: %w", id, err)
	}
	q := indexedQueue(value)
	if runtime.ValidateQueueName(q) != nil {
		return nil, r, false, fmt.Errorf("%w: %s (index entry %q)", runtime.ErrJobNotFound, id, value)
	}
	k = b.queue(q)
	vals, err := b.client.HMGet(ctx, k.job(id), jobFields...).Result()
	if err != nil {
		if isWrongType(err) {
			return k, r, false, nil
		}
		return nil, r, false, fmt.Errorf("redis: read job %s: %w", id, err)
	}
	r = newRecord(vals)
	if !r.exists() {
		return nil, r, false, fmt.Errorf("%w: %s", runtime.ErrJobNotFound, id)
	}
	return k, r, true, nil
}

// find returns the decoded job with the given ID and its queue's keys.
func (b *Backend) find(ctx context.Context, id string) (*queueKeys, runtime.Job, error) {
	k, r, ok, err := b.lookup(ctx, id)
	if err != nil {
		return nil, runtime.Job{}, err
	}
	if !ok {
		return nil, runtime.Job{}, &corruptError{id: id, queue: k.name, reason: "the key holds something other than a job hash"}
	}
	j, err := decode(id, k.name, r)
	if err != nil {
		return nil, runtime.Job{}, err
	}
	return k, j, nil
}

// Job returns the job with the given ID or runtime.ErrJobNotFound. A job
// whose data is corrupt gives an error that says what is wrong.
func (b *Backend) Job(ctx context.Context, id string) (runtime.Job, error) {
	_, j, err := b.find(ctx, id)
	return j, err
}

// transition reads the job with the given ID, lets fn compute its change,
// and applies it fenced on the state and attempt read. When the job moved
// in between it starts over.
func (b *Backend) transition(ctx context.Context, id string, fn func(runtime.Job) (change, error)) (runtime.Job, error) {
	for range 5 {
		k, j, err := b.find(ctx, id)
		if err != nil {
			return runtime.Job{}, err
		}
		c, err := fn(j)
		if err != nil {
			return runtime.Job{}, err
		}
		c.expect, c.attempt = j.State, fmt.Sprint(j.Attempt)
		codes, err := b.move(ctx, k, []change{c})
		if err != nil {
			return runtime.Job{}, fmt.Errorf("redis: update job %s: %w", id, err)
		}
		switch codes[0] {
		case 1:
			return c.job, nil
		case -1:
			return runtime.Job{}, fmt.Errorf("%w: %s", runtime.ErrJobNotFound, id)
		}
	}
	return runtime.Job{}, fmt.Errorf("redis: update job %s: it kept changing", id)
}

// Cancel cancels a pending, scheduled or retrying job so that it never
// runs, and returns it. Other states, running included (as the conformance
// suite requires), fail with runtime.ErrInvalidTransition.
func (b *Backend) Cancel(ctx context.Context, id string) (runtime.Job, error) {
	return b.transition(ctx, id, func(j runtime.Job) (change, error) {
		switch j.State {
		case runtime.StatePending, runtime.StateScheduled, runtime.StateRetrying:
		default:
			return change{}, &runtime.TransitionError{JobID: id, From: j.State, Action: "cancel"}
		}
		next, err := j.Cancel(b.clock.Now())
		return change{job: next, state: next.State}, err
	})
}

// RetryDeadLetter applies Job.Requeue to a failed job and puts it at the
// back of its queue.
func (b *Backend) RetryDeadLetter(ctx context.Context, id string) (runtime.Job, error) {
	return b.transition(ctx, id, func(j runtime.Job) (change, error) {
		next, err := j.Requeue(b.clock.Now())
		return change{job: next, state: next.State}, err
	})
}

// Delete removes a job that is not running, whatever its state. A job whose
// data is corrupt is removed too.
func (b *Backend) Delete(ctx context.Context, id string) error {
	for range 5 {
		k, r, ok, err := b.lookup(ctx, id)
		if err != nil {
			return err
		}
		c := change{job: runtime.Job{ID: id}, expect: runtime.State(r.s), attempt: r.a, state: stateDeleted}
		if state := runtime.State(r.s); !ok || !state.Valid() {
			c.expect, c.attempt = "*", ""
		} else if state == runtime.StateRunning {
			return &runtime.TransitionError{JobID: id, From: state, Action: "delete"}
		}
		codes, err := b.move(ctx, k, []change{c})
		if err != nil {
			return fmt.Errorf("redis: delete job %s: %w", id, err)
		}
		switch codes[0] {
		case 1:
			return b.unindex(ctx, k.name, []string{id})
		case -1:
			return fmt.Errorf("%w: %s", runtime.ErrJobNotFound, id)
		}
	}
	return fmt.Errorf("redis: delete job %s: it kept changing", id)
}
