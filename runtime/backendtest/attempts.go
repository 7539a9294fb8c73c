package backendtest

import (
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

// attemptLogTests cover jobs.Job.AttemptLog: every backend keeps the
// log the transitions write, on every read path.
var attemptLogTests = []test{
	{"KeepsEveryAttempt", testAttemptLog},
	{"KeepsTheLastTen", testAttemptLogBounded},
	{"LeaseExpiryIsLogged", testAttemptLogExpiry},
	{"ReadsAreCopies", testAttemptLogCopies},
}

// wantAttempt is what one AttemptRecord must hold.
type wantAttempt struct {
	attempt         int
	started, ended  time.Time
	outcome         jobs.State
	errType, errMsg string // "" for no error
}

// expectLog compares the attempt log of every read of job id (Job,
// ListJobs in its state, DeadLetters when failed) with want.
func (s *suite) expectLog(id string, want ...wantAttempt) {
	s.t.Helper()
	j := s.find(id)
	reads := map[string]jobs.Job{"Job": j}
	page := s.list(jobs.JobQuery{Queue: j.Queue, State: j.State, Limit: jobs.MaxPageSize})
	for _, l := range page.Jobs {
		if l.ID == id {
			reads["ListJobs"] = l
		}
	}
	if j.State == jobs.StateFailed {
		for _, d := range s.deadLetters(jobs.DeadLetterQuery{Queue: j.Queue, Limit: 100}) {
			if d.ID == id {
				reads["DeadLetters"] = d
			}
		}
	}
	for how, j := range reads {
		if err := matchLog(j.AttemptLog, want); err != nil {
			s.t.Fatalf("%s(%s): attempt log %+v: %v", how, id, j.AttemptLog, err)
		}
	}
	if len(reads) < 2 {
		s.t.Fatalf("job %s is not among its %s jobs in ListJobs", id, j.State)
	}
}

// matchLog reports how log differs from want.
func matchLog(log []jobs.AttemptRecord, want []wantAttempt) error {
	if len(log) != len(want) {
		return fmt.Errorf("%d records, want %d", len(log), len(want))
	}
	for i, w := range want {
		r := log[i]
		if r.Attempt != w.attempt || !r.StartedAt.Equal(w.started) || !r.FinishedAt.Equal(w.ended) || r.Outcome != w.outcome {
			return fmt.Errorf("record %d is attempt %d %s-%s %s, want attempt %d %s-%s %s", i, r.Attempt, r.StartedAt, r.FinishedAt, r.Outcome,
				w.attempt, w.started, w.ended, w.outcome)
		}
		if w.errType == "" {
			if r.Error != nil {
				return fmt.Errorf("record %d has error %+v, want none", i, *r.Error)
			}
			continue
		}
		if r.Error == nil || r.Error.Type != w.errType || r.Error.Message != w.errMsg || r.Error.Stacktrace != "" {
			return fmt.Errorf("record %d has error %+v, want %s %q without a stack trace", i, r.Error, w.errType, w.errMsg)
		}
	}
	return nil
}

// runAttempt leases job id of queue q (promoting it first when it is not
// pending), lets a second pass and ends the attempt with end; it returns
// the expected record.
func (s *suite) runAttempt(q, id string, end func(jobs.Job, time.Time) (jobs.Job, error)) wantAttempt {
	s.t.Helper()
	if s.find(id).State != jobs.StatePending {
		s.clock.Advance(time.Minute)
		s.promote(1)
	}
	j := s.dequeueOne(q, id)
	s.clock.Advance(time.Second)
	next, err := end(j, s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	s.ack(next)
	w := wantAttempt{attempt: j.Attempt, started: j.StartedAt, ended: s.clock.Now(), outcome: next.State}
	if next.State != jobs.StateCompleted && next.Error != nil {
		w.errType, w.errMsg = next.Error.Type, next.Error.Message
	}
	s.clock.Advance(time.Second)
	return w
}

// retryAfter ends an attempt with a retry in 30 s, failing with msg.
func retryAfter(msg string) func(jobs.Job, time.Time) (jobs.Job, error) {
	return func(j jobs.Job, now time.Time) (jobs.Job, error) {
		return j.PrepareRetry(jobs.JobError{Type: "net.Error", Message: msg, Stacktrace: "goroutine 1"}, now.Add(30*time.Second), now)
	}
}

func testAttemptLog(s *suite) {
	s.add("j", jobs.WithQueue("q"), jobs.WithMaxRetries(2))
	w1 := s.runAttempt("q", "j", retryAfter("first"))
	s.expectLog("j", w1)
	w2 := s.runAttempt("q", "j", retryAfter("second"))
	w3 := s.runAttempt("q", "j", func(j jobs.Job, now time.Time) (jobs.Job, error) {
		return j.Fail(jobs.JobError{Type: "panic", Message: "third", Stacktrace: "goroutine 2"}, now)
	})
	if w3.outcome != jobs.StateFailed || w2.outcome != jobs.StateRetrying {
		s.t.Fatalf("outcomes %s, %s; want retrying, failed", w2.outcome, w3.outcome)
	}
	s.expectLog("j", w1, w2, w3)
	// A retry from the dead-letter queue keeps the log; the new attempts
	// count from 1 again.
	if _, err := s.b.RetryDeadLetter(s.ctx, "j"); err != nil {
		s.t.Fatal(err)
	}
	s.expectLog("j", w1, w2, w3)
	w4 := s.runAttempt("q", "j", func(j jobs.Job, now time.Time) (jobs.Job, error) {
		return j.Complete([]byte(`1`), now)
	})
	if w4.attempt != 1 || w4.errType != "" {
		s.t.Fatalf("attempt after the retry from the dead letters: %+v", w4)
	}
	s.expectLog("j", w1, w2, w3, w4)

	// A running job cancelled in the store logs its attempt as cancelled.
	s.add("c", jobs.WithQueue("q"))
	running := s.dequeueOne("q", "c")
	s.clock.Advance(time.Second)
	if _, err := s.b.Cancel(s.ctx, "c"); err != nil {
		s.t.Fatal(err)
	}
	s.expectLog("c", wantAttempt{attempt: 1, started: running.StartedAt, ended: s.clock.Now(), outcome: jobs.StateCancelled})
}

func testAttemptLogBounded(s *suite) {
	const attempts = jobs.MaxAttemptRecords + 3
	s.add("j", jobs.WithQueue("q"), jobs.WithMaxRetries(attempts))
	var all []wantAttempt
	for i := range attempts {
		all = append(all, s.runAttempt("q", "j", retryAfter(fmt.Sprintf("attempt %d", i+1))))
	}
	s.expectLog("j", all[attempts-jobs.MaxAttemptRecords:]...)
	if got := s.find("j").AttemptLog[0].Attempt; got != 4 {
		s.t.Fatalf("oldest record kept is attempt %d, want 4", got)
	}
}

func testAttemptLogExpiry(s *suite) {
	s.add("j", jobs.WithQueue("q"), jobs.WithMaxRetries(3))
	j := s.dequeueOne("q", "j")
	s.clock.Advance(lease + time.Second)
	if n, err := s.b.RecoverExpired(s.ctx); err != nil || n != 1 {
		s.t.Fatalf("RecoverExpired = %d, %v; want 1", n, err)
	}
	got := s.find("j")
	if got.Error == nil || len(got.AttemptLog) != 1 {
		s.t.Fatalf("after the lease expired: error %+v, log %+v", got.Error, got.AttemptLog)
	}
	s.expectLog("j", wantAttempt{attempt: 1, started: j.StartedAt, ended: s.clock.Now(), outcome: jobs.StatePending,
		errType: jobs.ErrorTypeLeaseExpired, errMsg: got.Error.Message})
}

func testAttemptLogCopies(s *suite) {
	s.add("j", jobs.WithQueue("q"), jobs.WithMaxRetries(1))
	w := s.runAttempt("q", "j", retryAfter("kept"))
	// Changing what a read returned changes nothing stored.
	got := s.find("j")
	got.AttemptLog[0].Outcome, got.AttemptLog[0].Error.Message = jobs.StateCompleted, "changed"
	s.expectLog("j", w)
}
