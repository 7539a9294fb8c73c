package redis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jobsgo/jobs/runtime"
)

// stateDeleted, as change.state, removes the job.
const stateDeleted runtime.State = "deleted"

// change is one fenced state change for move.lua: job is the job as it is
// to be stored (its state is ignored when state is stateDeleted).
type change struct {
	job     runtime.Job
	expect  runtime.State // "*" takes the job out of every structure unchecked
	attempt string        // expected attempt, "" unchecked
	lease   string        // expected field l, "" unchecked
	state   runtime.State // new state
	front   bool          // a pending job goes to the front of its list
	history bool          // push a snapshot on the type's history
	outcome string        // "ok", "fail" or "" (not an attempt's end)
	// duration of the attempt in nanoseconds, "" when unknown.
	duration string
}

// move applies changes to jobs of one queue in one script call and returns
// one code per change: 1 applied, 0 refused by the fence, -1 no such job.
func (b *Backend) move(ctx context.Context, k *queueKeys, changes []change) ([]int64, error) {
	now := b.clock.Now()
	args := append(k.args(now, 5+18*len(changes)),
		b.deadLimit, micros(now.Add(-b.deadMaxAge)), b.completedLimit, b.historyLimit, len(changes))
	for _, c := range changes {
		fields, err := mutable(c.job)
		if err != nil {
			return nil, fmt.Errorf("encode job %s: %w", c.job.ID, err)
		}
		score := ""
		switch c.state {
		case runtime.StateScheduled, runtime.StateRetrying:
			score = micros(c.job.ExecuteAt)
		case runtime.StateFailed, runtime.StateCompleted, runtime.StateCancelled:
			score = micros(c.job.FinishedAt)
		case runtime.StateRunning:
			score = micros(c.job.LeaseUntil)
		}
		snapshot := ""
		if c.history {
			s, err := json.Marshal(c.job)
			if err != nil {
				return nil, fmt.Errorf("encode job %s: %w", c.job.ID, err)
			}
			snapshot = string(s)
		}
		front := ""
		if c.front {
			front = "1"
		}
		args = append(args, c.job.ID, string(c.expect), c.attempt, c.lease, string(c.state), front, score,
			c.job.Type, snapshot, c.outcome, c.duration)
		args = append(args, fields...)
	}
	codes, err := moveScript.Run(ctx, b.client, k.keys, args...).Int64Slice()
	if err != nil {
		return nil, err
	}
	if len(codes) != len(changes) {
		return nil, fmt.Errorf("move.lua returned %d codes for %d changes", len(codes), len(changes))
	}
	return codes, nil
}
