package jobs

import (
	"time"
	"unicode/utf8"
)

// MaxAttemptRecords is how many attempts a job's AttemptLog keeps: the
// most recent ones.
const MaxAttemptRecords = 10

// maxAttemptMessage bounds the error message an AttemptRecord keeps, in
// bytes; the job's Error keeps the whole last one.
const maxAttemptMessage = 2048

// AttemptRecord is one finished attempt of a job, as its AttemptLog keeps
// it.
type AttemptRecord struct {
	Attempt    int       `json:"attempt"` // the job's Attempt while it ran
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at"`
	// Outcome is the state the attempt left the job in: completed,
	// retrying, failed, cancelled, or pending after its lease expired.
	Outcome State `json:"outcome"`
	// Error is why the attempt failed, without its stack trace (the job's
	// Error keeps the last one's), the message cut at 2 KiB; nil when it
	// did not fail.
	Error *JobError `json:"error,omitempty"`
}

// logAttempt returns j with its running attempt, which ended at now in
// j's new state, appended to its AttemptLog, which keeps the last
// MaxAttemptRecords. The log is a new slice: copies of the job before do
// not see it change.
func (j Job) logAttempt(now time.Time) Job {
	rec := AttemptRecord{Attempt: j.Attempt, StartedAt: j.StartedAt, FinishedAt: now, Outcome: j.State}
	if j.Error != nil && j.State != StateCompleted && j.State != StateCancelled {
		e := JobError{Type: j.Error.Type, Message: truncateUTF8(j.Error.Message, maxAttemptMessage)}
		rec.Error = &e
	}
	keep := j.AttemptLog[max(0, len(j.AttemptLog)-(MaxAttemptRecords-1)):]
	log := make([]AttemptRecord, 0, len(keep)+1)
	j.AttemptLog = append(append(log, keep...), rec)
	return j
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
