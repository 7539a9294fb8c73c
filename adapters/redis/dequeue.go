package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// Dequeue leases up to limit (at least 1) pending jobs of queue for lease,
// highest priority first and FIFO within a priority, in one script call
// that first promotes the queue's due scheduled and retrying jobs. The
// call takes with it the Acks and AckDequeues of the queue waiting at that
// moment: one round trip stores their outcomes and leases every job asked
// for.
//
// When nothing is pending it blocks, without polling, on the queue's
// wake-up marker (BZPOPMIN), which enqueues, promotions and releases arm;
// the wait is bounded by the block timeout and by the earliest execute-at
// time. The take that follows the wait is pipelined behind it (waitTake):
// the job that ends the wait comes back in the same round trip. Cancelling
// ctx wakes it at once through a key of its own, and the take then takes
// nothing; a deadline on ctx ends the wait deadlineMargin before it.
// Corrupt jobs met on the way go to the dead-letter queue and are not
// returned.
// Until Preflight has passed, each call runs it first and fails with its
// error.
func (b *Backend) Dequeue(ctx context.Context, queue string, limit int, lease time.Duration) ([]jobs.Job, error) {
	if err := jobs.ValidateQueueName(queue); err != nil {
		return nil, err
	}
	if lease <= 0 {
		return nil, fmt.Errorf("redis: dequeue %s: lease %s is not positive", queue, lease)
	}
	if err := b.Preflight(ctx); err != nil {
		return nil, err
	}
	if err := b.clockReady(ctx); err != nil {
		return nil, fmt.Errorf("redis: dequeue %s: %w", queue, err)
	}
	limit = max(limit, 1)
	var w *waiter // made at the first wait
	t, err := b.laneTake(ctx, queue, limit, lease)
	for {
		if err != nil {
			if err := ctxErr(ctx); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("redis: dequeue %s: %w", queue, err)
		}
		if len(t.jobs) > 0 {
			return t.jobs, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if t.popped > 0 { // every job taken was corrupt; look again at once
			t, err = b.laneTake(ctx, queue, limit, lease)
			continue
		}
		if w == nil {
			w = b.newWaiter(ctx, b.queue(queue))
			defer w.stop()
		}
		wait, ok := b.waitLength(ctx, t.next)
		if !ok {
			return nil, context.DeadlineExceeded
		}
		var lapsed bool
		t, lapsed, err = b.waitTake(ctx, w, wait, limit, lease)
		if err == nil && lapsed {
			t, err = b.laneTake(ctx, queue, limit, lease)
		}
	}
}

// laneTake leases up to limit jobs of queue through its lane, with the
// calls waiting there.
func (b *Backend) laneTake(ctx context.Context, queue string, limit int, lease time.Duration) (taken, error) {
	r, err := b.lanes.Do(ctx, queue, laneOp{take: &takeRequest{limit: limit, lease: lease}})
	if err == nil {
		err = r.err
	}
	return r.taken, err
}

// deadlineMargin is how long before its caller's deadline a Dequeue's
// wait ends, so that the take behind it answers in time: jobs leased by a
// take whose reply came after the deadline would wait for their lease to
// expire.
const deadlineMargin = 10 * time.Millisecond

// waitLength is how long a Dequeue that found nothing waits: the block
// timeout, or less when the earliest scheduled or retrying job (next,
// unix microseconds; 0: none) is due sooner, or when ctx's deadline, less
// deadlineMargin, comes sooner. ok is false when the deadline leaves no
// time to wait.
func (b *Backend) waitLength(ctx context.Context, next int64) (wait time.Duration, ok bool) {
	wait = b.blockTimeout
	if next > 0 {
		if d := time.UnixMicro(next).Sub(b.clock.Now()); d < wait {
			wait = max(d, time.Millisecond)
		}
	}
	if d, has := ctx.Deadline(); has {
		left := time.Until(d) - deadlineMargin
		if left < time.Millisecond {
			return 0, false
		}
		wait = min(wait, left)
	}
	return wait, true
}

// taken is what one lease of a queue's pending jobs returned.
type taken struct {
	jobs   []jobs.Job // the leased jobs that decoded
	popped int        // how many IDs were leased, corrupt ones included
	next   int64      // earliest execute-at of a scheduled or retrying job, unix microseconds; 0: none
}

// take runs dequeue.lua once, leasing up to limit jobs for lease.
func (b *Backend) take(ctx context.Context, k *queueKeys, limit int, lease time.Duration) (taken, error) {
	args, now := b.takeCall(k, limit, lease)
	res, err := dequeueScript.Run(ctx, b.client, k.keys, args.argv()...).Slice()
	if err != nil {
		return taken{}, err
	}
	return b.takeReply(ctx, k, res, now)
}

// takeCall returns the arguments of a dequeue.lua or wait_take.lua call
// made now on the queue of k, leasing up to limit jobs for lease, and now.
func (b *Backend) takeCall(k *queueKeys, limit int, lease time.Duration) (dequeueArgs, time.Time) {
	now := b.clock.Now()
	return dequeueArgs{head: head{k, now}, take: b.takeArgs(limit, now.Add(lease))}, now
}

// takeArgs returns dequeue's arguments (see fn_dequeue.lua) for a lease of
// up to limit jobs until leaseUntil.
func (b *Backend) takeArgs(limit int, leaseUntil time.Time) takeArgs {
	return takeArgs{max: limit, until: leaseUntil, server: b.onServerClock()}
}

// onServerClock is the flag of dequeue.lua and extend.lua that tells
// whether the backend decides on the server's clock, so that a lease runs
// from the server's TIME when the call reaches the server late (see
// lease_times in lua/lib.lua), or on a WithClock clock, taken as is.
func (b *Backend) onServerClock() bool {
	_, ok := b.clock.(*serverClock)
	return ok
}

// takeReply decodes dequeue's reply res for a call made at now: the jobs
// carry the started-at and lease deadline the script stored. Jobs that do
// not decode are buried as corrupt.
func (b *Backend) takeReply(ctx context.Context, k *queueKeys, res []any, now time.Time) (taken, error) {
	const head = 3  // next, started-at, lease deadline
	const group = 9 // id, a, d, p, x, r, e, rf, h
	if len(res) < head || (len(res)-head)%group != 0 {
		return taken{}, fmt.Errorf("dequeue.lua returned %d values", len(res))
	}
	var t taken
	if s, _ := res[0].(string); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			t.next = int64(f)
		}
	}
	t.popped = (len(res) - head) / group
	t.jobs = make([]jobs.Job, 0, t.popped)
	var corrupt []buried
	started, until := res[1], res[2]
	for i := head; i < len(res); i += group {
		v := res[i : i+group]
		id, _ := v[0].(string)
		r := codec.NewRecord([]any{string(jobs.StateRunning), v[3], v[1], v[4], started, "", until, v[5], v[6], v[2], "", v[7], "", v[8]})
		job, err := codec.Decode(id, k.name, r)
		if err != nil {
			why, fields := codec.Reason(err)
			corrupt = append(corrupt, buried{id: id, attempt: r.A, jobType: job.Type, why: why, fields: fields})
			continue
		}
		t.jobs = append(t.jobs, job)
	}
	if len(corrupt) > 0 {
		_, _ = b.bury(ctx, k, now, corrupt) // a job missed keeps its lease; RecoverExpired buries it
	}
	return t, nil
}

// bury moves leased jobs that did not decode to the dead-letter queue and
// reports how many it moved.
func (b *Backend) bury(ctx context.Context, k *queueKeys, now time.Time, corrupt []buried) (int, error) {
	args := buryArgs{head: head{k, now}, jobs: corrupt}
	return buryScript.Run(ctx, b.client, k.keys, args.argv()...).Int()
}
