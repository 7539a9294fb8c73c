package redis

import (
	"context"
	"fmt"
	"time"
)

// A queue's lane carries the calls of its workers to Redis: the Acks of
// jobs that ended and the Dequeue calls that fetch the next ones. One
// flush stores the batch's outcomes and leases jobs for its first Dequeue
// in a single script call (cycle.lua), so a busy pool pays one round trip
// per cycle rather than two.

// laneOp is one call on a queue's lane: an Ack's change or, when take is
// not nil, a Dequeue's request for jobs.
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

// laneResult answers a laneOp: the change's code (see move), or what the
// take leased; err is the take's own failure.
type laneResult struct {
	code  int64
	taken taken
	err   error
}

// flushLane runs one batch of queue's lane: the changes and the first take
// in one call, then any further take (another pool of this process on the
// same queue) on its own.
func (b *Backend) flushLane(ctx context.Context, queue string, ops []laneOp) ([]laneResult, error) {
	k := b.queue(queue)
	changes := make([]change, 0, len(ops))
	changeAt := make([]int, 0, len(ops))
	var takeAt []int
	for i, op := range ops {
		if op.take != nil {
			takeAt = append(takeAt, i)
		} else {
			changes = append(changes, *op.change)
			changeAt = append(changeAt, i)
		}
	}
	res := make([]laneResult, len(ops))
	switch {
	case len(takeAt) == 0:
		codes, err := b.move(ctx, k, changes)
		if err != nil {
			return nil, err
		}
		for j, i := range changeAt {
			res[i].code = codes[j]
		}
		return res, nil
	case len(changes) == 0:
		res[takeAt[0]].taken, res[takeAt[0]].err = b.take(ctx, k, ops[takeAt[0]].take.limit, ops[takeAt[0]].take.lease)
	default:
		codes, t, err := b.cycle(ctx, k, changes, ops[takeAt[0]].take)
		if err != nil {
			return nil, err
		}
		for j, i := range changeAt {
			res[i].code = codes[j]
		}
		res[takeAt[0]].taken = t
	}
	for _, i := range takeAt[1:] {
		res[i].taken, res[i].err = b.take(ctx, k, ops[i].take.limit, ops[i].take.lease)
	}
	return res, nil
}

// cycle applies changes and then leases jobs for req, in one call of
// cycle.lua.
func (b *Backend) cycle(ctx context.Context, k *queueKeys, changes []change, req *takeRequest) ([]int64, taken, error) {
	now := b.clock.Now()
	until := now.Add(req.lease)
	args := takeArgs(k.args(now, 10+23*len(changes)), req.limit, until)
	args, ops, err := b.moveArgs(args, changes, now)
	if err != nil {
		return nil, taken{}, err
	}
	reply, err := cycleScript.Run(ctx, b.client, k.keys, args...).Slice()
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
	t, err := b.takeReply(ctx, k, leased, now, until)
	return codes, t, err
}
