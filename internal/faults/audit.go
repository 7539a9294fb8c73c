package faults

import (
	"fmt"
	"slices"
	"sort"

	"github.com/jobsgo/jobs"
)

// Expectations are what a scenario promises about its jobs.
type Expectations struct {
	// Final maps every job whose enqueue was acknowledged to the state it
	// must end in.
	Final map[string]jobs.State
	// MayExist maps the jobs whose enqueue outcome is unknown, or whose
	// loss the scenario allows (acknowledged within Redis's fsync window),
	// to the state they must end in if they exist.
	MayExist map[string]jobs.State
	// AllowedDuplicates are the jobs that may complete a handler run more
	// than once (their lease really expired).
	AllowedDuplicates map[string]bool
	// AckLossAllowed are the jobs whose stored outcome may be lost (stored
	// within Redis's fsync window before the server crashed), so that
	// their completion may be stored twice.
	AckLossAllowed map[string]bool
}

// Snapshot is what the backend holds after a scenario.
type Snapshot struct {
	// Jobs are the jobs of the scenario read by ID; one not found is absent.
	Jobs map[string]jobs.Job
	// Listed maps every job ListJobs showed, in any queue, to the states
	// it was listed in.
	Listed map[string][]jobs.State
	// Stats are the backend's figures.
	Stats jobs.Stats
}

// Result is the audit of one scenario.
type Result struct {
	// Jobs is the number of jobs audited: the acknowledged ones and those
	// of MayExist that exist.
	Jobs int
	// Lost counts acknowledged jobs not found or not in their final state.
	Lost int
	// Vanished counts the jobs of MayExist that do not exist.
	Vanished int
	// DuplicatesAllowed is the number of jobs allowed to run twice.
	DuplicatesAllowed int
	// DuplicatesSeen counts jobs whose handler succeeded more than once.
	DuplicatesSeen int
	// Problems describe every violation found, sorted.
	Problems []string
}

// Passed reports whether nothing was lost and no rule was broken.
func (r Result) Passed() bool { return r.Lost == 0 && len(r.Problems) == 0 }

// Audit checks a scenario's snapshot and ledger against its expectations:
// every acknowledged job exists in its final state, every job is in
// exactly one state, the figures of Stats match the jobs and the ledger,
// no outcome was stored twice and only allowed jobs ran twice.
func Audit(exp Expectations, snap Snapshot, ledger []Event) Result {
	r := Result{DuplicatesAllowed: len(exp.AllowedDuplicates)}
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }

	for id, want := range exp.Final {
		r.Jobs++
		job, ok := snap.Jobs[id]
		switch {
		case !ok:
			r.Lost++
			problem("job %s: enqueue acknowledged, job not found", id)
		case job.State != want:
			r.Lost++
			problem("job %s: %s, want %s", id, job.State, want)
		}
	}
	for id, want := range exp.MayExist {
		job, ok := snap.Jobs[id]
		if !ok {
			r.Vanished++
			continue
		}
		r.Jobs++
		if job.State != want {
			r.Lost++
			problem("job %s: %s, want %s", id, job.State, want)
		}
	}
	known := func(id string) bool {
		_, final := exp.Final[id]
		_, maybe := exp.MayExist[id]
		return final || maybe
	}
	for id, job := range snap.Jobs {
		if listed := snap.Listed[id]; len(listed) != 1 || listed[0] != job.State {
			problem("job %s: %s by ID, listed as %v", id, job.State, listed)
		}
	}
	for id, states := range snap.Listed {
		if !known(id) {
			problem("job %s (listed as %v) was not enqueued by the scenario", id, states)
		} else if _, ok := snap.Jobs[id]; !ok {
			problem("job %s: listed as %v, not found by ID", id, states)
		}
	}

	auditStats(snap, problem)
	auditLedger(exp, snap, ledger, known, &r, problem)
	sort.Strings(r.Problems)
	return r
}

// auditStats compares the figures of Stats with the jobs' states.
func auditStats(snap Snapshot, problem func(string, ...any)) {
	type count struct{ pending, scheduled, retrying, running, failed int64 }
	perQueue := make(map[string]*count)
	var completed, failed int64
	for _, job := range snap.Jobs {
		c := perQueue[job.Queue]
		if c == nil {
			c = &count{}
			perQueue[job.Queue] = c
		}
		switch job.State {
		case jobs.StatePending:
			c.pending++
		case jobs.StateScheduled:
			c.scheduled++
		case jobs.StateRetrying:
			c.retrying++
		case jobs.StateRunning:
			c.running++
		case jobs.StateFailed:
			c.failed++
			failed++
		case jobs.StateCompleted:
			completed++
		}
	}
	st := snap.Stats
	if st.Succeeded != completed {
		problem("stats: %d succeeded, %d jobs completed", st.Succeeded, completed)
	}
	if st.DeadLetters != failed {
		problem("stats: %d dead letters, %d jobs failed", st.DeadLetters, failed)
	}
	if st.Processed != st.Succeeded+st.Failed {
		problem("stats: %d processed, not %d succeeded + %d failed", st.Processed, st.Succeeded, st.Failed)
	}
	for _, q := range st.Queues {
		c := perQueue[q.Name]
		if c == nil {
			c = &count{}
		}
		got := count{q.Pending, q.Scheduled, q.Retrying, q.Running, q.DeadLetters}
		if got != *c {
			problem("stats of queue %s: pending/scheduled/retrying/running/dead %d/%d/%d/%d/%d, jobs %d/%d/%d/%d/%d",
				q.Name, got.pending, got.scheduled, got.retrying, got.running, got.failed, c.pending, c.scheduled, c.retrying, c.running, c.failed)
		}
		delete(perQueue, q.Name)
	}
	for q, c := range perQueue {
		if *c != (count{}) {
			problem("stats: no figures for queue %s, which holds jobs", q)
		}
	}
}

// auditLedger compares the ledger with the jobs: every completed job ran
// successfully, Stats' succeeded is the number of existing jobs whose
// handler succeeded, each outcome was stored once and jobs ran twice only
// where allowed.
func auditLedger(exp Expectations, snap Snapshot, ledger []Event, known func(string) bool, r *Result, problem func(string, ...any)) {
	succeeded := make(map[string]int) // successful handler runs per job
	completions := make(map[string]int)
	var strangers []string
	for _, e := range ledger {
		if !known(e.JobID) {
			strangers = append(strangers, e.JobID)
			continue
		}
		switch {
		case e.Kind == EventEnd && e.OK:
			succeeded[e.JobID]++
		case e.Kind == EventAck && e.OK && e.State == jobs.StateCompleted:
			completions[e.JobID]++
		}
	}
	slices.Sort(strangers)
	for _, id := range slices.Compact(strangers) {
		problem("ledger: job %s ran but was not enqueued by the scenario", id)
	}
	var ranOK int64
	for id, n := range succeeded {
		if _, exists := snap.Jobs[id]; exists {
			ranOK++
		}
		if n > 1 {
			r.DuplicatesSeen++
			if !exp.AllowedDuplicates[id] {
				problem("job %s: handler succeeded %d times, no duplicate allowed", id, n)
			}
		}
	}
	for id, job := range snap.Jobs {
		if job.State == jobs.StateCompleted && succeeded[id] == 0 {
			problem("job %s: completed, no successful handler run in the ledger", id)
		}
	}
	for id, n := range completions {
		if n > 1 && !exp.AckLossAllowed[id] {
			problem("job %s: completion stored %d times (a late ack was accepted)", id, n)
		}
	}
	if snap.Stats.Succeeded != ranOK {
		problem("stats: %d succeeded, ledger: %d existing jobs ran successfully", snap.Stats.Succeeded, ranOK)
	}
}
