package redis

import (
	"context"
	"fmt"
	"time"
)

// A queue's lane carries the calls of its workers to Redis: the outcomes
// of jobs that ended (Ack, AckDequeue) and the requests for the next jobs
// (AckDequeue, Dequeue). One flush stores the batch's outcomes and leases
// the jobs it asks for in a single script call (cycle.lua), so a busy
// pool pays one round trip per batch of job cycles.

// laneOp is one call on a queue's lane: an Ack's change, a Dequeue's
// request for jobs (take), or both (AckDequeue).
type laneOp struct {
	change *change
	take   *takeRequest
}

// takeRequest asks for up to limit pending jobs, leased for lease from the
// time the flush runs.
type takeRequest struct {
	limit int
	lease time.Duration
}

// laneResult answers a laneOp: the change's code (see move) and what the
// take leased; err is the failure of a take run apart (see flushLane).
type laneResult struct {
	code  int64
	taken taken
	err   error
}

// flushLane runs one batch of queue's lane in one script call: the
// changes, then one lease for all the takes (their limits added up, the
// jobs dealt out in order). A take asking for another lease length than
// the first (another pool of this process on the same queue) runs on its
// own afterwards.
func (b *Backend) flushLane(ctx context.Context, queue string, ops []laneOp) ([]laneResult, error) {
	k := b.queue(queue)
	changes := make([]change, 0, len(ops))
	changeAt := make([]int, 0, len(ops))
	var takeAt, apart []int
	var lease time.Duration
	limit := 0
	for i, op := range ops {
		if op.change != nil {
			changes = append(changes, *op.change)
			changeAt = append(changeAt, i)
		}
		switch {
		case op.take == nil:
		case len(takeAt) == 0 || op.take.lease == lease:
			lease = op.take.lease
			takeAt = append(takeAt, i)
			limit += op.take.limit
		default:
			apart = append(apart, i)
		}
	}
	var codes []int64
	var t taken
	var err error
	switch {
	case len(takeAt) == 0:
		codes, err = b.move(ctx, k, changes)
	case len(changes) == 0:
		t, err = b.take(ctx, k, limit, lease)
	default:
		codes, t, err = b.cycle(ctx, k, changes, limit, lease)
	}
	if err != nil {
		return nil, err
	}
	res := make([]laneResult, len(ops))
	for j, i := range changeAt {
		res[i].code = codes[j]
	}
	deal(res, ops, takeAt, t)
	for _, i := range apart {
		res[i].taken, res[i].err = b.take(ctx, k, ops[i].take.limit, ops[i].take.lease)
	}
	return res, nil
}

// deal hands the jobs of t to the takes ops[takeAt...] in order, each up
// to its limit. Every take learns the earliest execute-at; one left
// without jobs while corrupt ones were leased is told so (popped), so that
// it looks again at once rather than wait.
func deal(res []laneResult, ops []laneOp, takeAt []int, t taken) {
	jobs := t.jobs
	corrupt := t.popped > len(t.jobs)
	for _, i := range takeAt {
		n := min(ops[i].take.limit, len(jobs))
		r := &res[i].taken
		r.jobs, jobs = jobs[:n:n], jobs[n:]
		r.popped, r.next = n, t.next
		if n == 0 && corrupt {
			r.popped = 1
		}
	}
}

// cycle applies changes and then leases up to limit jobs for lease, in
// one call of cycle.lua.
func (b *Backend) cycle(ctx context.Context, k *queueKeys, changes []change, limit int, lease time.Duration) ([]int64, taken, error) {
	now := b.clock.Now()
	until := now.Add(lease)
	args := cycleArgs{head: head{k, now}, take: b.takeArgs(limit, until), changeArgs: b.changeArgs(changes)}
	argv, ops, err := args.argv()
	if err != nil {
		return nil, taken{}, err
	}
	reply, err := b.write(ctx, cycleScript, k.keys, argv...).Slice()
	if err != nil {
		return nil, taken{}, err
	}
	if len(reply) != 2 {
		return nil, taken{}, fmt.Errorf("cycle.lua returned %d values", len(reply))
	}
	raw, _ := reply[0].([]any)
	codes := make([]int64, len(raw))
	for i, c := range raw {
		codes[i], _ = c.(int64)
	}
	if codes, err = b.moved(ctx, changes, ops, codes); err != nil {
		return nil, taken{}, err
	}
	leased, _ := reply[1].([]any)
	t, err := b.takeReply(ctx, k, leased, now)
	return codes, t, err
}

// releaseAbandoned hands back to their queue the jobs that a flush leased
// for a call whose caller had left (see committer.do), so that they wait
// for the next worker rather than for their lease to expire; one that
// cannot be handed back is recovered when its lease expires.
func (b *Backend) releaseAbandoned(_ string, r laneResult) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, j := range r.taken.jobs {
		if released, err := j.Release(b.clock.Now()); err == nil {
			_ = b.Ack(ctx, released)
		}
	}
}
