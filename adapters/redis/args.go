package redis

import (
	"strconv"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// The ARGV layout of each script and the type that builds it (see
// argv.go). Each script's header comment says what its arguments mean.

// retentionArgs are the caps of the finished-job zsets, shared by the
// scripts that trim them (promote.lua, fn_move.lua).
var retentionArgs = []string{"A_DEAD_MAX", "A_DEAD_MIN", "A_DONE_MAX", "A_DONE_MIN"}

// appendRetention appends retentionArgs for r at now: the count caps, and
// the scores below which dead letters and finished jobs are dropped.
func appendRetention(a []any, r jobs.Retention, now time.Time) []any {
	return append(a, r.DeadLetterLimit, micros(now.Add(-r.DeadLetterMaxAge)), r.CompletedLimit, micros(now.Add(-r.CompletedMaxAge)))
}

// releaseLayout is release.lua's: a queue, then the IDs to drop.
var releaseLayout = argLayout{
	fixed:  []string{"A_QUEUE"},
	groups: []argGroup{{start: "A_IDS", prefix: "I_", fields: []string{"ID"}}},
}

// releaseArgs are release.lua's arguments.
type releaseArgs struct {
	queue string
	ids   []string
}

func (a releaseArgs) argv() []any {
	v := make([]any, 0, releaseLayout.size(len(a.ids)))
	v = append(v, a.queue)
	for _, id := range a.ids {
		v = append(v, id)
	}
	return v
}

// reportLayout is report.lua's and unreport.lua's: a process and its
// worker report.
var reportLayout = argLayout{fixed: []string{"A_PROCESS", "A_REPORT"}}

// reportArgs are report.lua's and unreport.lua's arguments.
type reportArgs struct {
	process string
	report  string
}

func (a reportArgs) argv() []any { return []any{a.process, a.report} }

// pokeLayout is poke.lua's: it takes no arguments.
var pokeLayout = argLayout{}

// tickLayout is claimtick.lua's.
var tickLayout = argLayout{fixed: []string{"A_SCHEDULE", "A_TICK", "A_INFO"}}

// tickArgs are claimtick.lua's arguments: a schedule, the tick it claims
// (see tickKey) and the ScheduleInfo JSON to store with the claim.
type tickArgs struct {
	schedule string
	tick     string
	info     []byte
}

func (a tickArgs) argv() []any { return []any{a.schedule, a.tick, a.info} }

// claimLayout is claim.lua's: the counts, the time and the prefix, then
// one group per ID and one per unique key (after the IDs).
var claimLayout = argLayout{
	fixed: []string{"A_N_IDS", "A_N_UNIQUE", "A_NOW_NS", "A_PREFIX"},
	groups: []argGroup{
		{start: "A_IDS", prefix: "I_", fields: []string{"ID", "QUEUE", "STALE"}},
		{prefix: "U_", fields: []string{"HOLDER", "PX", "STALE"}},
	},
}

// claimArgs are claim.lua's arguments.
type claimArgs struct {
	now    time.Time
	prefix string // the key prefix on a standalone server, "" on a cluster
	ids    []claimID
	unique []claimHolder
}

// claimID is an ID to claim for a job of queue; stale is the index value
// the caller found stale and may replace ("" : none).
type claimID struct{ id, queue, stale string }

// claimHolder is a unique key's holder string to store, with its TTL (px,
// "" : none) and the holder string the caller found stale ("" : none).
type claimHolder struct{ holder, px, stale string }

func (a claimArgs) argv() []any {
	v := make([]any, 0, claimLayout.size(len(a.ids), len(a.unique)))
	v = append(v, len(a.ids), len(a.unique), codec.Nanos(a.now), a.prefix)
	for _, c := range a.ids {
		v = append(v, c.id, c.queue, c.stale)
	}
	for _, u := range a.unique {
		v = append(v, u.holder, u.px, u.stale)
	}
	return v
}

// uniqueLayout is unique.lua's: the time, then one group per key.
var uniqueLayout = argLayout{
	fixed:  []string{"A_NOW_NS"},
	groups: []argGroup{{start: "A_OPS", prefix: "U_", fields: []string{"OP", "HOLDER", "PX"}}},
}

// uniqueArgs are unique.lua's arguments: ops applied at now, one per key.
type uniqueArgs struct {
	now time.Time
	ops []uniqueOp
}

func (a uniqueArgs) argv() []any {
	v := make([]any, 0, uniqueLayout.size(len(a.ops)))
	v = append(v, codec.Nanos(a.now))
	for _, o := range a.ops {
		v = append(v, o.op, holder(o.job), uniquePX(o.job, a.now))
	}
	return v
}

// leaseArgs are the arguments of a lease taken or extended (extend.lua,
// fn_dequeue.lua): its deadline, and whether the backend decides on the
// server's clock (see lease_times in lua/lib.lua).
var leaseArgs = []string{"A_UNTIL_US", "A_UNTIL_NS", "A_SERVER_CLOCK"}

// extendLayout is extend.lua's.
var extendLayout = queueLayout(append(leaseArgs, "A_N_JOBS"),
	argGroup{start: "A_JOBS", prefix: "J_", fields: []string{"ID", "ATTEMPT"}})

// extendArgs are extend.lua's arguments: the leases of jobs move to until.
type extendArgs struct {
	head
	until  time.Time
	server bool // the backend decides on the server's clock
	jobs   []leaseRef
}

// leaseRef is a job's ID and the attempt its lease is for.
type leaseRef struct {
	id      string
	attempt int
}

func (a extendArgs) argv() []any {
	v := a.head.argv(extendLayout.size(len(a.jobs)))
	v = append(v, micros(a.until), codec.Nanos(a.until), flag(a.server, "0"), len(a.jobs))
	for _, j := range a.jobs {
		v = append(v, j.id, strconv.Itoa(j.attempt))
	}
	return v
}

// isolateLayout is isolate.lua's.
var isolateLayout = queueLayout([]string{"A_ID", "A_ATTEMPT"})

// isolateArgs are isolate.lua's arguments: the job and its attempt.
type isolateArgs struct {
	head
	id      string
	attempt string
}

func (a isolateArgs) argv() []any {
	return append(a.head.argv(isolateLayout.size()), a.id, a.attempt)
}

// pauseLayout is pause.lua's.
var pauseLayout = queueLayout([]string{"A_PAUSE"})

// pauseArgs are pause.lua's arguments: pause, or resume.
type pauseArgs struct {
	head
	pause bool
}

func (a pauseArgs) argv() []any {
	return append(a.head.argv(pauseLayout.size()), flag(a.pause, "0"))
}

// pageLayout is page.lua's.
var pageLayout = queueLayout([]string{"A_STATE", "A_MAX", "A_CURSOR_KEY", "A_CURSOR_ID", "A_REVERSE"})

// pageArgs are page.lua's arguments: up to max jobs in state after the
// cursor, in the other order of a zset when reverse is set.
type pageArgs struct {
	head
	state   jobs.State
	max     int
	after   cursor
	reverse bool
}

func (a pageArgs) argv() []any {
	return append(a.head.argv(pageLayout.size()), string(a.state), a.max, a.after.Key, a.after.ID, flag(a.reverse, ""))
}

// repairLayout is repair.lua's.
var repairLayout = queueLayout([]string{"A_FIX", "A_N_IDS"},
	argGroup{start: "A_IDS", prefix: "I_", fields: []string{"ID"}})

// repairArgs are repair.lua's arguments: the IDs to check, and whether to
// fix what is wrong.
type repairArgs struct {
	head
	fix bool
	ids []string
}

func (a repairArgs) argv() []any {
	v := a.head.argv(repairLayout.size(len(a.ids)))
	v = append(v, flag(a.fix, ""), len(a.ids))
	for _, id := range a.ids {
		v = append(v, id)
	}
	return v
}

// promoteLayout is promote.lua's.
var promoteLayout = queueLayout(append([]string{"A_LIMIT"}, retentionArgs...))

// promoteArgs are promote.lua's arguments: the most jobs to promote from
// each zset, and the retention that trims the finished ones.
type promoteArgs struct {
	head
	limit     int
	retention jobs.Retention
}

func (a promoteArgs) argv() []any {
	v := append(a.head.argv(promoteLayout.size()), a.limit)
	return appendRetention(v, a.retention, a.now)
}

// buryLayout is bury.lua's.
var buryLayout = queueLayout([]string{"A_N_JOBS"},
	argGroup{start: "A_JOBS", prefix: "J_", fields: []string{"ID", "ATTEMPT", "TYPE", "WHY", "FIELDS"}})

// buryArgs are bury.lua's arguments: the jobs to bury.
type buryArgs struct {
	head
	jobs []buried
}

// buried is a leased job that did not decode: its ID, the attempt leased
// ("" : unchecked), its type if known, why it did not decode and the
// fields that could not be read (comma-separated).
type buried struct{ id, attempt, jobType, why, fields string }

func (a buryArgs) argv() []any {
	v := a.head.argv(buryLayout.size(len(a.jobs)))
	v = append(v, len(a.jobs))
	for _, j := range a.jobs {
		v = append(v, j.id, j.attempt, j.jobType, j.why, j.fields)
	}
	return v
}
