package faults

import (
	"sort"
	"time"
)

// AnyProcess makes a ledger query consider the events of every process.
const AnyProcess = 0

// Unacked returns, sorted, the jobs of which process pid (or AnyProcess)
// started a run before t whose outcome it had not stored by t: the jobs it
// held then, and those whose outcome it failed to store, which may run
// again. A run counts as stored only by an ack of the process that ran it,
// so another process's later run of the job does not hide it. An ack whose
// event came after t counts as not made, since the process may have been
// stopped between storing it and writing its line.
func Unacked(events []Event, pid int, t time.Time) []string {
	type run struct {
		job string
		pid int
	}
	open := make(map[run]int) // runs started and not yet acknowledged
	for _, e := range events {
		if !e.At.Before(t) || (pid != AnyProcess && e.PID != pid) {
			continue
		}
		r := run{e.JobID, e.PID}
		switch {
		case e.Kind == EventStart:
			open[r]++
		case e.Kind == EventAck && e.OK && open[r] > 0:
			open[r]--
		}
	}
	held := make(map[string]bool)
	for r, n := range open {
		if n > 0 {
			held[r.job] = true
		}
	}
	return sortedKeys(held)
}

// Superseded returns, sorted, the jobs whose run by pid started after t at
// an attempt below one that another process started: pid had leased that
// attempt before t (the job's attempt counter had moved on without it),
// so it held the job across t, as Unacked's jobs are, even if its handler
// had not started yet when pid was stopped at t.
func Superseded(events []Event, pid int, t time.Time) []string {
	type run struct {
		job     string
		attempt int
	}
	var late []run
	highest := make(map[string]int) // job -> highest attempt another process started
	for _, e := range events {
		switch {
		case e.Kind != EventStart:
		case e.PID == pid && e.At.After(t):
			late = append(late, run{e.JobID, e.Attempt})
		case e.PID != pid:
			highest[e.JobID] = max(highest[e.JobID], e.Attempt)
		}
	}
	held := make(map[string]bool)
	for _, r := range late {
		if r.attempt < highest[r.job] {
			held[r.job] = true
		}
	}
	return sortedKeys(held)
}

// AckedBetween returns, sorted, the jobs whose outcome some process
// stored in [from, to).
func AckedBetween(events []Event, from, to time.Time) []string {
	ids := make(map[string]bool)
	for _, e := range events {
		if e.Kind == EventAck && e.OK && !e.At.Before(from) && e.At.Before(to) {
			ids[e.JobID] = true
		}
	}
	return sortedKeys(ids)
}

// Count is the number of events of kind with result ok by process pid (or
// AnyProcess).
func Count(events []Event, kind string, pid int, ok bool) int {
	n := 0
	for _, e := range events {
		if e.Kind == kind && e.OK == ok && (pid == AnyProcess || e.PID == pid) {
			n++
		}
	}
	return n
}

// FirstAckAfter is the time of the first outcome stored after t, and false
// when none was.
func FirstAckAfter(events []Event, t time.Time) (time.Time, bool) {
	var first time.Time
	for _, e := range events {
		if e.Kind == EventAck && e.OK && e.At.After(t) && (first.IsZero() || e.At.Before(first)) {
			first = e.At
		}
	}
	return first, !first.IsZero()
}

// LastRestart is when the last of the jobs ids that another process than
// pid started after t did so; false when none of them was started again
// (a job held by pid may have been stored just before pid died).
func LastRestart(events []Event, ids []string, pid int, t time.Time) (time.Time, bool) {
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	var last time.Time
	for _, e := range events {
		if e.Kind == EventStart && e.PID != pid && e.At.After(t) && wanted[e.JobID] {
			delete(wanted, e.JobID) // its first start after t
			if e.At.After(last) {
				last = e.At
			}
		}
	}
	return last, !last.IsZero()
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
