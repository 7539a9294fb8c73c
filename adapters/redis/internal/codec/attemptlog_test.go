package codec

import (
	"reflect"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestLogImplied checks which attempt logs are left out when stored, and
// that WithImpliedLog puts back exactly those: a log left out must come
// back equal, and one that would not must be stored.
func TestLogImplied(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	end := start.Add(time.Second)
	done := jobs.Job{ID: "j", State: jobs.StateCompleted, Attempt: 2, StartedAt: start, FinishedAt: end}
	rec := jobs.AttemptRecord{Attempt: 2, StartedAt: start, FinishedAt: end, Outcome: jobs.StateCompleted}
	with := func(j jobs.Job, change func(*jobs.Job), log ...jobs.AttemptRecord) jobs.Job {
		j.AttemptLog = log
		if change != nil {
			change(&j)
		}
		return j
	}
	failed := rec
	failed.Outcome, failed.Error = jobs.StateRetrying, &jobs.JobError{Message: "x"}
	other := rec
	other.Attempt = 1
	cases := []struct {
		name    string
		job     jobs.Job
		implied bool
	}{
		{"completed by its only attempt", with(done, nil, rec), true},
		{"finished in another zone", with(done, func(j *jobs.Job) { j.AttemptLog[0].FinishedAt = end.In(time.FixedZone("x", 3600)) }, rec), true},
		{"after a failed attempt", with(done, nil, failed, rec), false},
		{"record of another attempt", with(done, nil, other), false},
		{"record with an error", with(done, func(j *jobs.Job) { j.AttemptLog[0].Error = &jobs.JobError{Message: "e"} }, rec), false},
		{"record finished at another time", with(done, func(j *jobs.Job) { j.FinishedAt = end.Add(time.Nanosecond) }, rec), false},
		{"record started at another time", with(done, func(j *jobs.Job) { j.StartedAt = time.Time{} }, rec), false},
		{"failed job", with(done, func(j *jobs.Job) { j.State = jobs.StateFailed }, rec), false},
		{"completed without a log", with(done, nil), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := LogImplied(tc.job); got != tc.implied {
				t.Fatalf("LogImplied = %v, want %v", got, tc.implied)
			}
			stored := tc.job
			stored.AttemptLog = nil
			back := WithImpliedLog(stored)
			if tc.implied {
				if len(back.AttemptLog) != 1 || !sameRecord(back.AttemptLog[0], tc.job.AttemptLog[0]) {
					t.Fatalf("WithImpliedLog put back %+v, want %+v", back.AttemptLog, tc.job.AttemptLog)
				}
			}
			if again := WithImpliedLog(tc.job); !reflect.DeepEqual(again.AttemptLog, tc.job.AttemptLog) && len(tc.job.AttemptLog) > 0 {
				t.Fatalf("WithImpliedLog changed a log that was there: %+v", again.AttemptLog)
			}
		})
	}
	if got := WithImpliedLog(jobs.Job{State: jobs.StateFailed, FinishedAt: end}); got.AttemptLog != nil {
		t.Fatalf("a failed job without a log got %+v", got.AttemptLog)
	}
}

// TestDecodeImpliedLog checks that a completed job's hash without field h
// decodes with the record of its attempt, and one with field h with that.
func TestDecodeImpliedLog(t *testing.T) {
	r := Record{S: "completed", P: "2", A: "3", st: "1000", fi: "2000", D: `{"t":"x","c":1}`}
	j, err := Decode("j", "q", r)
	if err != nil {
		t.Fatal(err)
	}
	want := jobs.AttemptRecord{Attempt: 3, StartedAt: time.Unix(0, 1000).UTC(), FinishedAt: time.Unix(0, 2000).UTC(), Outcome: jobs.StateCompleted}
	if len(j.AttemptLog) != 1 || !sameRecord(j.AttemptLog[0], want) {
		t.Fatalf("attempt log %+v, want [%+v]", j.AttemptLog, want)
	}
	r.h = `[{"attempt":1,"finished_at":"2026-01-02T03:04:05Z","outcome":"retrying"}]`
	if j, err = Decode("j", "q", r); err != nil || len(j.AttemptLog) != 1 || j.AttemptLog[0].Outcome != jobs.StateRetrying {
		t.Fatalf("with a stored log: %+v, %v", j.AttemptLog, err)
	}
}

func sameRecord(a, b jobs.AttemptRecord) bool {
	return a.Attempt == b.Attempt && a.Outcome == b.Outcome && a.StartedAt.Equal(b.StartedAt) && a.FinishedAt.Equal(b.FinishedAt) &&
		reflect.DeepEqual(a.Error, b.Error)
}
