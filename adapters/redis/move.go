package redis

import (
	"context"
	"fmt"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// stateDeleted, as change.state, removes the job.
const stateDeleted jobs.State = "deleted"

// change is one fenced state change for move.lua: job is the job as it is
// to be stored (its state is ignored when state is stateDeleted).
type change struct {
	job     jobs.Job
	expect  jobs.State // "*" takes the job out of every structure unchecked
	attempt string     // expected attempt, "" unchecked
	lease   string     // expected field l, "" unchecked
	state   jobs.State // new state
	front   bool       // a pending job goes to the front of its list
	history bool       // push a snapshot on the type's history
	outcome string     // "ok", "fail" or "" (not an attempt's end)
	// fields are those of the job hash the change stores (zero: all); an
	// Ack stores only those its outcome's transition sets.
	fields codec.FieldSet
	// duration of the attempt in nanoseconds, "" when unknown.
	duration string
	notify   bool // publish the ID on the cancel channel (a running job was cancelled)
}

// move applies changes to jobs of one queue in one script call and returns
// one code per change: 1 applied, 0 refused by the fence, -1 no such job.
// The unique keys of the jobs are freed or taken back (see uniqueOpOf) in
// the same script, or right after it on Redis Cluster.
func (b *Backend) move(ctx context.Context, k *queueKeys, changes []change) ([]int64, error) {
	now := b.clock.Now()
	args, ops, err := moveArgs{head: head{k, now}, changeArgs: b.changeArgs(changes)}.argv()
	if err != nil {
		return nil, err
	}
	codes, err := b.write(ctx, moveScript, k.keys, args...).Int64Slice()
	if err != nil {
		return nil, err
	}
	return b.moved(ctx, changes, ops, codes)
}

// changeArgs returns move's arguments (see fn_move.lua) for changes.
func (b *Backend) changeArgs(changes []change) changeArgs {
	a := changeArgs{retention: b.retention, channel: b.cancelChannel, changes: changes}
	if !b.cluster {
		a.unique = b.uniqueKeys()
	}
	return a
}

// flags is c's flags argument for move.lua; unique says the unique-key
// values follow.
func (c change) flags(unique bool) string {
	var f []byte
	if c.front {
		f = append(f, 'f')
	}
	switch c.outcome {
	case "ok":
		f = append(f, 'o')
	case "fail":
		f = append(f, 'x')
	}
	if c.notify {
		f = append(f, 'n')
	}
	if unique {
		f = append(f, 'u')
	}
	return string(f)
}

// moved checks the codes move returned for changes and, on Redis Cluster,
// applies the changes' unique-key operations ops.
func (b *Backend) moved(ctx context.Context, changes []change, ops []string, codes []int64) ([]int64, error) {
	if len(codes) != len(changes) {
		return nil, fmt.Errorf("move.lua returned %d codes for %d changes", len(codes), len(changes))
	}
	if b.cluster {
		var uops []uniqueOp
		for i, c := range changes {
			if codes[i] == 1 && ops[i] != "" {
				uops = append(uops, uniqueOp{job: c.job, op: ops[i]})
			}
		}
		// A key left held by an ended job is freed by the next claim of it.
		_ = b.applyUnique(ctx, uops)
	}
	return codes, nil
}
