package main

import (
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/internal/plural"
)

// maxErrorWidth truncates error messages in tables.
const maxErrorWidth = 60

// table writes aligned columns.
type table struct {
	tw  *tabwriter.Writer
	err error
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	if t.err == nil {
		_, t.err = fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
	}
}

func (t *table) flush() error {
	if t.err != nil {
		return t.err
	}
	return t.tw.Flush()
}

// num formats a count.
func num[T ~int | ~int64](n T) string { return fmt.Sprint(n) }

// dur formats milliseconds as a duration rounded to the millisecond.
func dur(ms float64) string {
	return time.Duration(ms * float64(time.Millisecond)).Round(time.Millisecond).String()
}

// when formats a time in UTC, "-" when zero.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// orDash returns s, "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine shortens an error message to one line of at most maxErrorWidth
// runes.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > maxErrorWidth {
		s = string(r[:maxErrorWidth-1]) + "…"
	}
	return s
}

func writeStats(w io.Writer, s admin.Stats) error {
	t := newTable(w, "PROCESSED", "SUCCEEDED", "FAILED", "DEAD", "AVG")
	t.row(num(s.Processed), num(s.Succeeded), num(s.Failed), num(s.DeadLetters), dur(s.AvgDurationMS))
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := writeQueues(w, s.Queues); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(s.Workers) == 0 {
		_, err := fmt.Fprintln(w, "No live workers.")
		return err
	}
	t = newTable(w, "WORKER", "QUEUE", "STATUS", "JOB", "TYPE", "SINCE", "HEARTBEAT")
	for _, wk := range s.Workers {
		t.row(wk.ID, wk.Queue, string(wk.Status), orDash(wk.JobID), orDash(wk.JobType), when(wk.JobStartedAt), when(wk.LastHeartbeat))
	}
	return t.flush()
}

func writeQueues(w io.Writer, queues []admin.QueueStats) error {
	if len(queues) == 0 {
		_, err := fmt.Fprintln(w, "No queues.")
		return err
	}
	t := newTable(w, "QUEUE", "STATUS", "SIZE", "SCHEDULED", "RETRYING", "RUNNING", "DEAD", "PROCESSED", "SUCCEEDED", "FAILED", "AVG")
	for _, q := range queues {
		t.row(q.Name, queueStatus(q), num(q.Size), num(q.Scheduled), num(q.Retrying), num(q.Running), num(q.DeadLetters),
			num(q.Processed), num(q.Succeeded), num(q.Failed), dur(q.AvgDurationMS))
	}
	return t.flush()
}

// queueStatus is "active", "paused", or "unserved" when the queue has
// pending jobs and no live worker ("paused,unserved" when both).
func queueStatus(q admin.QueueStats) string {
	switch {
	case q.Paused && q.Unserved:
		return "paused,unserved"
	case q.Paused:
		return "paused"
	case q.Unserved:
		return "unserved"
	}
	return "active"
}

func writeFailed(w io.Writer, batch []admin.Job) error {
	if len(batch) == 0 {
		_, err := fmt.Fprintln(w, "No dead-letter jobs.")
		return err
	}
	t := newTable(w, "ID", "TYPE", "QUEUE", "ATTEMPTS", "FAILED AT", "ERROR")
	for _, j := range batch {
		msg := "-"
		if j.LastError != nil {
			msg = oneLine(j.LastError.Message)
		}
		t.row(j.ID, j.Type, j.Queue, num(j.Attempts), when(j.FinishedAt), msg)
	}
	return t.flush()
}

func writeJob(w io.Writer, j admin.Job) error {
	t := newTable(w, "ID:", j.ID)
	t.row("Type:", j.Type)
	t.row("Queue:", j.Queue)
	t.row("Priority:", j.Priority)
	t.row("State:", string(j.State))
	t.row("Attempts:", fmt.Sprintf("%d of %d", j.Attempts, j.MaxRetries+1))
	if j.TenantID != "" {
		t.row("Tenant:", j.TenantID)
	}
	t.row("Created:", when(j.CreatedAt))
	t.row("Execute at:", when(j.ExecuteAt))
	t.row("Started:", when(j.StartedAt))
	t.row("Finished:", when(j.FinishedAt))
	if !j.LeaseUntil.IsZero() {
		t.row("Lease until:", when(j.LeaseUntil))
	}
	if j.DurationMS > 0 {
		t.row("Duration:", dur(j.DurationMS))
	}
	for k, v := range sortedMap(j.Metadata) {
		t.row("Metadata:", k+"="+v)
	}
	t.row("Args:", string(j.Args))
	if len(j.Result) > 0 {
		t.row("Result:", string(j.Result))
	}
	for k, v := range sortedMap(j.Raw) {
		t.row("Unreadable:", k+"="+strconv.Quote(v))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if j.LastError == nil {
		return nil
	}
	_, err := fmt.Fprintf(w, "\nLast error (%s): %s\n", j.LastError.Type, j.LastError.Message)
	if err == nil && j.LastError.Stacktrace != "" {
		_, err = fmt.Fprintf(w, "\n%s\n", strings.TrimRight(j.LastError.Stacktrace, "\n"))
	}
	return err
}

// sortedMap yields the entries of m by key.
func sortedMap(m map[string]string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}

func writeRepair(w io.Writer, r jobs.RepairReport) error {
	if len(r.Problems) > 0 {
		t := newTable(w, "KIND", "KEY", "DETAIL")
		for _, p := range r.Problems {
			t.row(string(p.Kind), p.Key, oneLine(p.Detail))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	var err error
	switch {
	case len(r.Problems) == 0:
		_, err = fmt.Fprintf(w, "Queue %s: %s checked, nothing to repair.\n", r.Queue, plural.Count(r.Checked, "job", "jobs"))
	case r.Fixed:
		_, err = fmt.Fprintf(w, "Queue %s: %s checked, %s repaired.\n", r.Queue, plural.Count(r.Checked, "job", "jobs"), plural.Count(len(r.Problems), "problem", "problems"))
	default:
		_, err = fmt.Fprintf(w, "Queue %s: %s checked, %s found; run with --fix to repair them.\n", r.Queue, plural.Count(r.Checked, "job", "jobs"), plural.Count(len(r.Problems), "problem", "problems"))
	}
	return err
}
