package codec

import "github.com/jobsgo/jobs"

// A job's attempt log (hash field h) is stored only when it says something
// the job's other fields do not. The log of a job completed by its first
// logged attempt holds one record, and that record is the job's attempt,
// started-at and finished-at with the outcome completed: every completed
// job in a drain has that log, and writing it (and its copy in the history
// snapshot) was most of what the attempt log cost. Such a log is left out
// (LogImplied) and readers put it back (WithImpliedLog).

// LogImplied reports whether j's attempt log is the one WithImpliedLog
// gives j without one, so that storing j need not write it.
func LogImplied(j jobs.Job) bool {
	if j.State != jobs.StateCompleted || len(j.AttemptLog) != 1 {
		return false
	}
	r := j.AttemptLog[0]
	return r.Attempt == j.Attempt && r.Outcome == jobs.StateCompleted && r.Error == nil &&
		r.StartedAt.Equal(j.StartedAt) && r.FinishedAt.Equal(j.FinishedAt) && !j.FinishedAt.IsZero()
}

// WithImpliedLog returns j with the attempt log that was left out when it
// was stored (see LogImplied): a completed job without a log gets the
// record of its last attempt. Other jobs are returned unchanged.
func WithImpliedLog(j jobs.Job) jobs.Job {
	if len(j.AttemptLog) == 0 && j.State == jobs.StateCompleted && !j.FinishedAt.IsZero() {
		j.AttemptLog = []jobs.AttemptRecord{{Attempt: j.Attempt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, Outcome: jobs.StateCompleted}}
	}
	return j
}
