package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"

	goredis "github.com/redis/go-redis/v9"
)

// staleClaimMillis is how old (in milliseconds) an ID index entry naming no job must be before a
// claim replaces it: younger ones may belong to an enqueue in flight.
const staleClaimMillis = 10_000

// indexed reports whether j's ID goes in the ID index: every ID but a
// generated one (jobs.GeneratedIDForm), which is unique by construction
// and found by looking in every queue (see locate). A unique job's ID is
// indexed whatever its form, so that a claim in flight on Redis Cluster
// shows in the index (see holderActive).
func indexed(j jobs.Job) bool {
	return !jobs.GeneratedIDForm(j.ID) || j.UniqueKey != ""
}

// claim reserves the IDs of jobs in the ID index (those it indexes), and
// their unique keys, all or none (see claim.lua). An index entry naming a
// job that no longer exists (trimmed, or left by an enqueue that failed
// half-way) is replaced once it is stale, and so is a unique key whose
// holder (without TTL) is no longer active.
func (b *Backend) claim(ctx context.Context, batch []jobs.Job) error {
	var claimed []jobs.Job
	for _, j := range batch {
		if indexed(j) {
			claimed = append(claimed, j)
		}
	}
	if len(claimed) == 0 {
		return nil // no unique keys either: a unique job is indexed
	}
	stale := make(map[string]string) // job ID or unique holder key -> stale value
	prefix := b.prefix
	if b.cluster {
		prefix = ""
	}
	for range 3 {
		now := b.clock.Now()
		ukeys, uholders, owners := b.uniqueClaims(claimed, stale, now)
		args := claimArgs{now: now, prefix: prefix, unique: uholders, ids: make([]claimID, len(claimed))}
		for i, j := range claimed {
			args.ids[i] = claimID{id: j.ID, queue: j.Queue, stale: stale[j.ID]}
		}
		held, err := b.write(ctx, claimScript, append([]string{b.indexKey}, ukeys...), args.argv()...).StringSlice()
		if err != nil {
			return fmt.Errorf("redis: claim job IDs: %w", err)
		}
		if len(held) == 0 {
			return nil
		}
		type entry struct{ key, value string }
		var ids, holders []entry
		for i := 0; i+3 < len(held); i += 4 {
			kind, name, value, extra := held[i], held[i+1], held[i+2], held[i+3]
			if kind == "u" {
				j, _ := strconv.Atoi(name)
				if j < 1 || j > len(owners) {
					return fmt.Errorf("redis: claim unique keys: unexpected reply %v", held)
				}
				o := owners[j-1]
				if extra == "held" {
					return &jobs.UniqueJobExistsError{Key: o.UniqueKey, ExistingJobID: strings.Fields(value)[0]}
				}
				active, err := b.holderActive(ctx, value, extra)
				if err != nil {
					return err
				}
				if active {
					return &jobs.UniqueJobExistsError{Key: o.UniqueKey, ExistingJobID: strings.Fields(value)[0]}
				}
				holders = append(holders, entry{ukeys[j-1], value})
				continue
			}
			if age, err := strconv.ParseInt(extra, 10, 64); err != nil || age < staleClaimMillis {
				return fmt.Errorf("%w: %s", jobs.ErrDuplicateJob, name)
			}
			ids = append(ids, entry{name, value})
		}
		cmds := make([]*goredis.IntCmd, len(ids))
		_, err = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, e := range ids {
				cmds[i] = p.Exists(ctx, b.queue(indexedQueue(e.value)).job(e.key))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("redis: check claimed job IDs: %w", err)
		}
		for i, e := range ids {
			if cmds[i].Val() != 0 {
				return fmt.Errorf("%w: %s", jobs.ErrDuplicateJob, e.key)
			}
			stale[e.key] = e.value
		}
		for _, e := range holders {
			stale[e.key] = e.value
		}
	}
	return fmt.Errorf("redis: claim job IDs: the index kept changing")
}

// indexedQueue returns the queue an ID index entry ("<ms> <queue>") names.
func indexedQueue(value string) string {
	_, q, _ := strings.Cut(value, " ")
	return q
}

// lookup finds the job with the given ID through the ID index or, for a
// generated ID that it lacks, by looking in every queue. ok is false when
// the job's key holds something other than a hash.
func (b *Backend) lookup(ctx context.Context, id string) (k *queueKeys, r codec.Record, ok bool, err error) {
	if jobs.ValidateJobID(id) != nil {
		return nil, r, false, fmt.Errorf("%w: %q", jobs.ErrJobNotFound, id)
	}
	var q string
	value, err := b.client.HGet(ctx, b.indexKey, id).Result()
	switch {
	case errors.Is(err, goredis.Nil) && jobs.GeneratedIDForm(id):
		if q, err = b.locate(ctx, id); err != nil {
			return nil, r, false, err
		}
	case errors.Is(err, goredis.Nil):
		return nil, r, false, fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
	case err != nil:
		return nil, r, false, fmt.Errorf("redis: find job %s: %w", id, err)
	default:
		q = indexedQueue(value)
		if jobs.ValidateQueueName(q) != nil {
			return nil, r, false, fmt.Errorf("%w: %s (index entry %q)", jobs.ErrJobNotFound, id, value)
		}
	}
	k = b.queue(q)
	vals, err := b.client.HMGet(ctx, k.job(id), codec.JobFields...).Result()
	if err != nil {
		if isWrongType(err) {
			return k, r, false, nil
		}
		return nil, r, false, fmt.Errorf("redis: read job %s: %w", id, err)
	}
	r = codec.NewRecord(vals)
	if !r.Exists() {
		return nil, r, false, fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
	}
	return k, r, true, nil
}

// locate returns the queue that holds a job with the given ID, looking in
// every queue ever enqueued into (one pipeline), or ErrJobNotFound.
func (b *Backend) locate(ctx context.Context, id string) (string, error) {
	all, err := b.queues(ctx)
	if err != nil {
		return "", err
	}
	var queues []string
	for _, q := range all {
		if jobs.ValidateQueueName(q) == nil {
			queues = append(queues, q)
		}
	}
	cmds := make([]*goredis.IntCmd, len(queues))
	_, err = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, q := range queues {
			cmds[i] = p.Exists(ctx, b.queue(q).job(id))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("redis: find job %s: %w", id, err)
	}
	for i, c := range cmds {
		if c.Val() == 1 {
			return queues[i], nil
		}
	}
	return "", fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
}

// find returns the decoded job with the given ID, its queue's keys and
// its hash as stored.
func (b *Backend) find(ctx context.Context, id string) (*queueKeys, jobs.Job, codec.Record, error) {
	k, r, ok, err := b.lookup(ctx, id)
	if err != nil {
		return nil, jobs.Job{}, r, err
	}
	if !ok {
		return nil, jobs.Job{}, r, &codec.CorruptError{Id: id, Queue: k.name, Reason: "the key holds something other than a job hash"}
	}
	j, err := codec.Decode(id, k.name, r)
	if err != nil {
		return nil, jobs.Job{}, r, err
	}
	return k, j, r, nil
}

// Job returns the job with the given ID or jobs.ErrJobNotFound. A job
// whose data is corrupt gives an error that says what is wrong, unless
// it was quarantined (see decode): that one is returned with what could
// be read, the rest in its Raw field.
func (b *Backend) Job(ctx context.Context, id string) (jobs.Job, error) {
	_, j, _, err := b.find(ctx, id)
	return j, err
}

// transition reads the job with the given ID, lets fn compute its change,
// and applies it fenced on the state and attempt read. When the job moved
// in between it starts over.
func (b *Backend) transition(ctx context.Context, id string, fn func(jobs.Job) (change, error)) (jobs.Job, error) {
	for range 5 {
		k, j, r, err := b.find(ctx, id)
		if err != nil {
			return jobs.Job{}, err
		}
		c, err := fn(j)
		if err != nil {
			return jobs.Job{}, err
		}
		c.expect, c.attempt = j.State, r.A // as stored, readable or not
		codes, err := b.move(ctx, k, []change{c})
		if err != nil {
			return jobs.Job{}, fmt.Errorf("redis: update job %s: %w", id, err)
		}
		switch codes[0] {
		case 1:
			return c.job, nil
		case -1:
			return jobs.Job{}, fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
		}
	}
	return jobs.Job{}, fmt.Errorf("redis: update job %s: it kept changing", id)
}

// RetryDeadLetter applies Job.Requeue to a failed job and puts it at the
// back of its queue. It takes its unique key back unless another job holds
// it meanwhile (then it runs without holding it). A job quarantined as
// corrupt is requeued with sane values in the fields it could not read
// (attempt 0, ...), unless its type or arguments are lost: see requeue.
func (b *Backend) RetryDeadLetter(ctx context.Context, id string) (jobs.Job, error) {
	return b.transition(ctx, id, b.requeue)
}

// requeue is the change that puts the failed job j back in its queue. A
// quarantined job (j.Raw set) has every field rewritten and its raw field
// cleared; one whose type or arguments were lost (staticLost) is refused
// with jobs.ErrInvalidTransition, as it cannot run again.
func (b *Backend) requeue(j jobs.Job) (change, error) {
	if j.Raw != nil && codec.StaticLost(j) {
		return change{}, fmt.Errorf("%w: job %s is corrupt and its type or arguments could not be read (see its raw fields), so it cannot run again: delete it",
			jobs.ErrInvalidTransition, j.ID)
	}
	next, err := j.Requeue(b.clock.Now())
	if err != nil {
		return change{}, err
	}
	c := change{job: next, state: next.State}
	if next.Raw != nil {
		c.job.Raw, c.fields = nil, codec.AllMutable|codec.FieldRaw|codec.FieldStatic
	}
	return c, nil
}

// Delete removes a job that is not running, whatever its state, and frees
// its unique key (TTL or not). A job whose data is corrupt is removed too.
func (b *Backend) Delete(ctx context.Context, id string) error {
	for range 5 {
		k, r, ok, err := b.lookup(ctx, id)
		if err != nil {
			return err
		}
		c := change{job: jobs.Job{ID: id, Queue: k.name}, expect: jobs.State(r.S), attempt: r.A, state: stateDeleted}
		c.job.UniqueKey, c.job.UniqueUntil = uniqueOf(r.D)
		if state := jobs.State(r.S); !ok || !state.Valid() {
			c.expect, c.attempt = "*", ""
		} else if state == jobs.StateRunning {
			return &jobs.TransitionError{JobID: id, From: state, Action: "delete"}
		}
		codes, err := b.move(ctx, k, []change{c})
		if err != nil {
			return fmt.Errorf("redis: delete job %s: %w", id, err)
		}
		switch codes[0] {
		case 1:
			return b.unindex(ctx, k.name, []string{id})
		case -1:
			return fmt.Errorf("%w: %s", jobs.ErrJobNotFound, id)
		}
	}
	return fmt.Errorf("redis: delete job %s: it kept changing", id)
}
