package faults

import (
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// ledgerOf builds a ledger from lines "kind id pid [state] ok|error",
// one millisecond apart.
func ledgerOf(lines ...string) []Event {
	t0 := time.Unix(1_000_000, 0)
	events := make([]Event, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		e := Event{At: t0.Add(time.Duration(i) * time.Millisecond), Kind: f[0], JobID: f[1], Attempt: 1, OK: f[len(f)-1] == "ok"}
		e.PID = map[string]int{"p1": 1, "p2": 2}[f[2]]
		if len(f) == 5 {
			e.State = jobs.State(f[3])
		}
		events[i] = e
	}
	return events
}

// ranOnce is the ledger of one successful run of id by p1.
func ranOnce(id string) []string {
	return []string{"start " + id + " p1 ok", "end " + id + " p1 ok", "ack " + id + " p1 completed ok"}
}

// consistent is the snapshot of jobs (ID -> state) in queue "default" with
// listings and figures that agree with them.
func consistent(states map[string]jobs.State) Snapshot {
	snap := Snapshot{Jobs: map[string]jobs.Job{}, Listed: map[string][]jobs.State{}}
	q := jobs.QueueStats{Name: jobs.DefaultQueue}
	for id, s := range states {
		snap.Jobs[id] = jobs.Job{ID: id, Queue: jobs.DefaultQueue, State: s}
		snap.Listed[id] = []jobs.State{s}
		switch s {
		case jobs.StateCompleted:
			snap.Stats.Succeeded++
		case jobs.StateFailed:
			q.DeadLetters++
			snap.Stats.DeadLetters++
		case jobs.StatePending:
			q.Pending++
		case jobs.StateRunning:
			q.Running++
		}
	}
	snap.Stats.Processed = snap.Stats.Succeeded
	snap.Stats.Queues = []jobs.QueueStats{q}
	return snap
}

func completed(ids ...string) map[string]jobs.State {
	m := make(map[string]jobs.State)
	for _, id := range ids {
		m[id] = jobs.StateCompleted
	}
	return m
}

func TestAudit(t *testing.T) {
	ab := completed("a", "b")
	twice := append(ranOnce("a"), "start a p2 ok", "end a p2 ok", "ack a p2 completed error")
	for _, tc := range []struct {
		name       string
		exp        Expectations
		snap       Snapshot
		ledger     []string
		lost, dups int
		vanished   int
		problem    string // a substring of one of the problems; "" when it passes
	}{
		{name: "every job completed once", exp: Expectations{Final: ab}, snap: consistent(ab),
			ledger: append(ranOnce("a"), ranOnce("b")...)},
		{name: "acknowledged job not found is lost", exp: Expectations{Final: ab}, snap: consistent(completed("a")),
			ledger: ranOnce("a"), lost: 1, problem: "job b: enqueue acknowledged, job not found"},
		{name: "job left pending is lost", exp: Expectations{Final: ab},
			snap:   consistent(map[string]jobs.State{"a": jobs.StateCompleted, "b": jobs.StatePending}),
			ledger: append(ranOnce("a"), "start b p1 ok"), lost: 1, problem: "job b: pending, want completed"},
		{name: "allowed duplicate", exp: Expectations{Final: completed("a"), AllowedDuplicates: map[string]bool{"a": true}},
			snap: consistent(completed("a")), ledger: twice, dups: 1},
		{name: "duplicate not allowed", exp: Expectations{Final: completed("a")},
			snap: consistent(completed("a")), ledger: twice, dups: 1, problem: "job a: handler succeeded 2 times"},
		{name: "a crashed run is no duplicate", exp: Expectations{Final: completed("a")},
			snap: consistent(completed("a")), ledger: append([]string{"start a p2 ok"}, ranOnce("a")...)},
		{name: "job listed in two states", exp: Expectations{Final: completed("a")},
			snap: func() Snapshot {
				s := consistent(completed("a"))
				s.Listed["a"] = []jobs.State{jobs.StatePending, jobs.StateCompleted}
				return s
			}(),
			ledger: ranOnce("a"), problem: "job a: completed by ID, listed as [pending completed]"},
		{name: "job listed in another state", exp: Expectations{Final: completed("a")},
			snap: func() Snapshot {
				s := consistent(completed("a"))
				s.Listed["a"] = []jobs.State{jobs.StateRunning}
				return s
			}(),
			ledger: ranOnce("a"), problem: "job a: completed by ID, listed as [running]"},
		{name: "stats disagree with the jobs", exp: Expectations{Final: ab},
			snap: func() Snapshot {
				s := consistent(ab)
				s.Stats.Succeeded, s.Stats.Processed = 3, 3
				return s
			}(),
			ledger: append(ranOnce("a"), ranOnce("b")...), problem: "stats: 3 succeeded, 2 jobs completed"},
		{name: "queue figures disagree with the jobs", exp: Expectations{Final: ab},
			snap: func() Snapshot {
				s := consistent(ab)
				s.Stats.Queues[0].Pending = 1
				return s
			}(),
			ledger: append(ranOnce("a"), ranOnce("b")...), problem: "stats of queue default"},
		{name: "late ack accepted", exp: Expectations{Final: completed("a"), AllowedDuplicates: map[string]bool{"a": true}},
			snap:   consistent(completed("a")),
			ledger: append(ranOnce("a"), "start a p2 ok", "end a p2 ok", "ack a p2 completed ok"), dups: 1,
			problem: "job a: completion stored 2 times"},
		{name: "completion stored twice after an allowed ack loss",
			exp:    Expectations{Final: completed("a"), AllowedDuplicates: map[string]bool{"a": true}, AckLossAllowed: map[string]bool{"a": true}},
			snap:   consistent(completed("a")),
			ledger: append(ranOnce("a"), "start a p2 ok", "end a p2 ok", "ack a p2 completed ok"), dups: 1},
		{name: "completed without a successful run", exp: Expectations{Final: ab}, snap: consistent(ab),
			ledger: append(ranOnce("a"), "start b p1 ok", "end b p1 error"), problem: "job b: completed, no successful handler run"},
		{name: "job of unknown outcome may vanish",
			exp:  Expectations{Final: completed("a"), MayExist: completed("c")},
			snap: consistent(completed("a")), ledger: ranOnce("a"), vanished: 1},
		{name: "job of unknown outcome that exists is audited",
			exp:    Expectations{Final: completed("a"), MayExist: completed("c")},
			snap:   consistent(map[string]jobs.State{"a": jobs.StateCompleted, "c": jobs.StatePending}),
			ledger: ranOnce("a"), lost: 1, problem: "job c: pending, want completed"},
		{name: "stranger in the queue", exp: Expectations{Final: completed("a")},
			snap: consistent(completed("a", "z")), ledger: append(ranOnce("a"), ranOnce("z")...),
			problem: "job z (listed as [completed]) was not enqueued by the scenario"},
		{name: "expected dead letter", exp: Expectations{Final: map[string]jobs.State{"x": jobs.StateFailed}},
			snap:   consistent(map[string]jobs.State{"x": jobs.StateFailed}),
			ledger: []string{"start x p1 ok", "end x p1 error", "ack x p1 failed ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Audit(tc.exp, tc.snap, ledgerOf(tc.ledger...))
			if r.Lost != tc.lost || r.DuplicatesSeen != tc.dups || r.Vanished != tc.vanished {
				t.Errorf("lost %d, duplicates %d, vanished %d; want %d, %d, %d (problems: %q)", r.Lost, r.DuplicatesSeen, r.Vanished, tc.lost, tc.dups, tc.vanished, r.Problems)
			}
			if r.DuplicatesAllowed != len(tc.exp.AllowedDuplicates) {
				t.Errorf("duplicates allowed %d; want %d", r.DuplicatesAllowed, len(tc.exp.AllowedDuplicates))
			}
			if tc.problem == "" {
				if !r.Passed() {
					t.Errorf("failed: %q; want a pass", r.Problems)
				}
				return
			}
			if r.Passed() {
				t.Fatalf("passed; want a problem with %q", tc.problem)
			}
			if !strings.Contains(strings.Join(r.Problems, "\n"), tc.problem) {
				t.Errorf("problems %q; want one with %q", r.Problems, tc.problem)
			}
		})
	}
}

func TestUnacked(t *testing.T) {
	ledger := ledgerOf(
		"start a p1 ok", "end a p1 ok", "ack a p1 completed ok", // stored: not held
		"start b p1 ok",                                            // running
		"start c p1 ok", "end c p1 ok", "ack c p1 completed error", // outcome not stored
		"start c p2 ok", "end c p2 ok", "ack c p2 completed ok", // run again elsewhere: still counted for p1
		"start d p2 ok",
	)
	for _, tc := range []struct {
		name string
		pid  int
		at   time.Duration
		want string
	}{
		{"p1 at the end", 1, time.Second, "b c"},
		{"p2 at the end", 2, time.Second, "d"},
		{"any process at the end", AnyProcess, time.Second, "b c d"},
		{"p1 before a's ack", 1, 2 * time.Millisecond, "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(Unacked(ledger, tc.pid, time.Unix(1_000_000, 0).Add(tc.at)), " ")
			if got != tc.want {
				t.Errorf("Unacked = %q; want %q", got, tc.want)
			}
		})
	}
}

// TestSuperseded: a run a process began after t at an attempt that another
// process had gone past was leased before t, so the job was held across t;
// a run it began before t, or at an attempt nobody went past, was not.
func TestSuperseded(t *testing.T) {
	ledger := ledgerOf(
		"start a p2 ok", // a, attempt 2 (set below)
		"start b p1 ok", // b, attempt 1
		"start a p1 ok", // a, attempt 1: behind p2's 2
		"start c p1 ok", // c, attempt 1: nobody went past it
		"start b p2 ok", // b, attempt 2
		"start d p1 ok", // d, attempt 3 (set below)
		"start d p2 ok", // d, attempt 2: behind p1's 3
	)
	ledger[0].Attempt, ledger[4].Attempt, ledger[5].Attempt, ledger[6].Attempt = 2, 2, 3, 2
	for _, tc := range []struct {
		name string
		pid  int
		at   time.Duration
		want string
	}{
		{"p1 after b started", 1, 1500 * time.Microsecond, "a"},
		{"p1 from the start", 1, -time.Millisecond, "a b"},
		{"p2 from the start", 2, -time.Millisecond, "d"},
		{"p1 after its last start", 1, time.Second, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(Superseded(ledger, tc.pid, time.Unix(1_000_000, 0).Add(tc.at)), " ")
			if got != tc.want {
				t.Errorf("Superseded = %q; want %q", got, tc.want)
			}
		})
	}
}

func TestLastRestart(t *testing.T) {
	ledger := ledgerOf("start a p1 ok", "start b p1 ok", "start a p2 ok", "start c p2 ok", "start a p2 ok")
	t0 := time.Unix(1_000_000, 0)
	for _, tc := range []struct {
		name string
		ids  []string
		want time.Duration // after t0; -1: none restarted
	}{
		{"one restarted", []string{"a"}, 2 * time.Millisecond},
		{"the last first restart", []string{"a", "c"}, 3 * time.Millisecond},
		{"one never restarted", []string{"a", "b"}, 2 * time.Millisecond},
		{"none restarted", []string{"b"}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, ok := LastRestart(ledger, tc.ids, 1, t0.Add(time.Millisecond/2))
			if ok != (tc.want >= 0) || (ok && at.Sub(t0) != tc.want) {
				t.Errorf("LastRestart = %v, %v; want %v after t0", at.Sub(t0), ok, tc.want)
			}
		})
	}
}
