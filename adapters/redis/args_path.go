package redis

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// The ARGV layouts and builders of the scripts on a job's path: enqueue,
// lease (dequeue), outcomes (move) and both at once (cycle). See argv.go.

// enqueueLayout is enqueue.lua's: the prefix and the counts, then a group
// per job, then a group per job whose ID goes in the ID index (an extra).
var enqueueLayout = queueLayout([]string{"A_PREFIX", "A_N_JOBS", "A_N_EXTRAS"},
	argGroup{start: "A_JOBS", prefix: "J_", fields: []string{"ID", "PRIORITY", "STATE", "X", "D"}},
	argGroup{prefix: "E_", fields: []string{"JOB", "UNIQUE_KEY", "HOLDER", "PX"}})

// enqueueArgs are enqueue.lua's arguments: new jobs of one queue.
type enqueueArgs struct {
	head
	prefix string // the key prefix
	jobs   []jobs.Job
	// unique names the keys of unique keys, for the script to take them;
	// zero when the caller claimed them (claim.lua).
	unique uniqueKeys
}

func (a enqueueArgs) argv() ([]any, error) {
	extras := 0
	for _, j := range a.jobs {
		if indexed(j) {
			extras++
		}
	}
	v := a.head.argv(enqueueLayout.size(len(a.jobs), extras))
	v = append(v, a.prefix, len(a.jobs), extras)
	for _, j := range a.jobs {
		d, err := codec.EncodeStatic(j)
		if err != nil {
			return nil, err
		}
		v = append(v, j.ID, strconv.Itoa(int(j.Priority)), string(j.State), codec.Nanos(j.ExecuteAt), d)
	}
	for n, j := range a.jobs {
		if !indexed(j) {
			continue
		}
		uk, hold, px := "", "", ""
		if j.UniqueKey != "" && !a.unique.none() {
			uk, hold, px = a.unique.key(j.UniqueKey), holder(j), uniquePX(j, a.now)
		}
		v = append(v, n+1, uk, hold, px)
	}
	return v, nil
}

// listLayout is enqueue_list.lua's: the state of every job, then a group
// per job. A pending job's group stops before J_SCORE (so it has J_SCORE
// fields); a scheduled job's has all J_SIZE.
var listLayout = argLayout{
	fixed:  []string{"A_STATE"},
	groups: []argGroup{{start: "A_JOBS", prefix: "J_", fields: []string{"ID", "D", "PRIORITY", "X", "SCORE"}}},
}

// listPending is the size of a pending job's group in listLayout: its
// fields before J_SCORE.
var listPending = slices.Index(listLayout.groups[0].fields, "SCORE")

// listArgs are enqueue_list.lua's arguments: new jobs that oneList
// accepts (one queue, all pending with one priority or all scheduled).
type listArgs struct {
	jobs []jobs.Job
}

func (a listArgs) argv() ([]any, error) {
	state := a.jobs[0].State
	size := listLayout.size(len(a.jobs))
	if state != jobs.StateScheduled {
		size = len(listLayout.fixed) + listPending*len(a.jobs)
	}
	v := make([]any, 0, size)
	v = append(v, string(state))
	for _, j := range a.jobs {
		d, err := codec.EncodeStatic(j)
		if err != nil {
			return nil, err
		}
		x := codec.Nanos(j.ExecuteAt)
		if dueWhenCreated(&j) {
			x = "" // not stored: it reads as the created time
		}
		v = append(v, j.ID, d, priorities[j.Priority], x)
		if state == jobs.StateScheduled {
			v = append(v, micros(j.ExecuteAt))
		}
	}
	return v, nil
}

// oneLayout is enqueue_one.lua's.
var oneLayout = argLayout{fixed: []string{"A_D"}}

// oneArgs are enqueue_one.lua's arguments: a job that dueWhenCreated
// accepts. Its ID and priority are not arguments: the script reads them
// off its keys (see enqueueFresh).
type oneArgs struct {
	job *jobs.Job
}

func (a oneArgs) argv() ([]any, error) {
	d, err := codec.StaticBytes(a.job)
	if err != nil {
		return nil, err
	}
	return []any{d}, nil
}

// takeLayout is the part of dequeue's ARGV (fn_dequeue.lua) that follows
// the queue header: the most jobs to lease, and the lease (leaseArgs).
var takeLayout = append([]string{"A_TAKE_MAX"}, leaseArgs...)

// takeArgs are dequeue's arguments (fn_dequeue.lua).
type takeArgs struct {
	max    int       // the most jobs to lease
	until  time.Time // the lease deadline
	server bool      // the backend decides on the server's clock
}

// append appends a's arguments to v.
func (a takeArgs) append(v []any) []any {
	return append(v, a.max, micros(a.until), codec.Nanos(a.until), flag(a.server, "0"))
}

// dequeueLayout is dequeue.lua's.
var dequeueLayout = queueLayout(takeLayout)

// dequeueArgs are dequeue.lua's arguments.
type dequeueArgs struct {
	head
	take takeArgs
}

func (a dequeueArgs) argv() []any { return a.take.append(a.head.argv(dequeueLayout.size())) }

// changeLayout is the part of move's ARGV (fn_move.lua) before its
// changes: the retention (retentionArgs), the history cap, the cancel
// channel and the number of changes.
var changeLayout = append(append([]string(nil), retentionArgs...), "A_HIST_MAX", "A_CHANNEL", "A_N_CHANGES")

// changeGroups are move's changes: a group per change, of C_SIZE fields
// then C_N_FIELDS pairs of job hash fields and values, then, with flag
// 'u', U_SIZE unique-key values.
var changeGroups = []argGroup{
	{start: "A_CHANGES", prefix: "C_", fields: []string{
		"ID", "EXPECT", "ATTEMPT", "LEASE", "STATE", "FLAGS", "SCORE", "TYPE", "SNAPSHOT", "DURATION", "N_FIELDS"}},
	{prefix: "U_", fields: []string{"KEY", "OP", "HOLDER", "PX"}},
}

// moveLayout is move.lua's; cycleLayout is cycle.lua's, dequeue's
// arguments then move's.
var (
	moveLayout  = queueLayout(changeLayout, changeGroups...)
	cycleLayout = queueLayout(append(append([]string(nil), takeLayout...), changeLayout...), changeGroups...)
)

// changeArgs are move's arguments (fn_move.lua): changes, and what they
// need to trim the finished jobs they make and to notify cancellations.
type changeArgs struct {
	retention jobs.Retention
	channel   string // where the IDs of cancelled running jobs are published
	changes   []change
	// unique names the keys of unique keys, for the script to free or take
	// them; zero on a cluster, where the caller does (see moved).
	unique uniqueKeys
}

// append appends a's arguments at now to v and returns them with the
// unique-key operation of each change.
func (a changeArgs) append(v []any, now time.Time) ([]any, []string, error) {
	v = appendRetention(v, a.retention, now)
	v = append(v, a.retention.HistoryLimit, a.channel, len(a.changes))
	ops := make([]string, len(a.changes))
	for i, c := range a.changes {
		score := ""
		switch c.state {
		case jobs.StateScheduled, jobs.StateRetrying:
			score = micros(c.job.ExecuteAt)
		case jobs.StateFailed, jobs.StateCompleted, jobs.StateCancelled:
			score = micros(c.job.FinishedAt)
		case jobs.StateRunning:
			score = micros(c.job.LeaseUntil)
		}
		snapshot := ""
		if c.history {
			s, err := historySnapshot(c.job)
			if err != nil {
				return nil, nil, fmt.Errorf("encode job %s: %w", c.job.ID, err)
			}
			snapshot = string(s)
		}
		ops[i] = uniqueOpOf(c, now)
		unique := ops[i] != "" && !a.unique.none()
		v = append(v, c.job.ID, string(c.expect), c.attempt, c.lease, string(c.state), c.flags(unique), score,
			c.job.Type, snapshot, c.duration, 0)
		k := len(v) - 1 // C_N_FIELDS, set once the pairs are in
		var pairs int
		var err error
		if v, pairs, err = codec.AppendMutable(v, c.job, c.fields); err != nil {
			return nil, nil, fmt.Errorf("encode job %s: %w", c.job.ID, err)
		}
		v[k] = pairs
		if unique {
			v = append(v, a.unique.key(c.job.UniqueKey), ops[i], holder(c.job), uniquePX(c.job, now))
		}
	}
	return v, ops, nil
}

// changeSize is about how many arguments a change takes, to size an ARGV.
const changeSize = 31

// moveArgs are move.lua's arguments.
type moveArgs struct {
	head
	changeArgs
}

// argv returns the ARGV and the unique-key operation of each change.
func (a moveArgs) argv() ([]any, []string, error) {
	return a.changeArgs.append(a.head.argv(moveLayout.size()+changeSize*len(a.changes)), a.now)
}

// cycleArgs are cycle.lua's arguments: changes to apply, then jobs to
// lease.
type cycleArgs struct {
	head
	take takeArgs
	changeArgs
}

// argv returns the ARGV and the unique-key operation of each change.
func (a cycleArgs) argv() ([]any, []string, error) {
	v := a.take.append(a.head.argv(cycleLayout.size() + changeSize*len(a.changes)))
	return a.changeArgs.append(v, a.now)
}
