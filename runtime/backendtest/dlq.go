package backendtest

import (
	"fmt"
	"time"

	"github.com/jobsgo/jobs/runtime"
)

var deadLetterTests = []test{
	{"FailedJobGoesToDeadLetters", testDeadLetter},
	{"DeadLetterQuery", testDeadLetterQuery},
	{"DeadLetterDefaultLimit", testDeadLetterDefaultLimit},
	{"RetryDeadLetter", testRetryDeadLetter},
	{"Cancel", testCancel},
}

// deadLetters lists the dead-letter queue.
func (s *suite) deadLetters(q runtime.DeadLetterQuery) []runtime.Job {
	s.t.Helper()
	jobs, err := s.b.DeadLetters(s.ctx, q)
	if err != nil {
		s.t.Fatalf("DeadLetters(%+v): %v", q, err)
	}
	return jobs
}

func testDeadLetter(s *suite) {
	s.add("doomed", runtime.WithMaxRetries(1), runtime.WithMetadata("k", "v"))
	first := s.dequeueOne(runtime.DefaultQueue, "doomed")
	s.retry(first, time.Second)
	s.clock.Advance(time.Second)
	s.promote(1)
	last := s.dequeueOne(runtime.DefaultQueue, "doomed")
	s.clock.Advance(time.Second)
	failed := s.fail(last)
	stored := s.expectState("doomed", runtime.StateFailed, 2)
	s.expectJob("stored failed job", stored, failed)
	dead := s.deadLetters(runtime.DeadLetterQuery{})
	s.expectIDs("dead letters", dead, "doomed")
	s.expectJob("dead letter", dead[0], failed)
	s.expectSize(runtime.DefaultQueue, 0)
	s.clock.Advance(time.Hour)
	s.promote(0)
	s.recover(0)
	s.expectEmpty(runtime.DefaultQueue)
}

func testDeadLetterQuery(s *suite) {
	// Failed in this order, one second apart.
	fixtures := []struct{ id, queue, jobType string }{
		{"a-mail-1", "a", "mail"},
		{"b-mail-1", "b", "mail"},
		{"a-sms-1", "a", "sms"},
		{"a-mail-2", "a", "mail"},
		{"b-sms-1", "b", "sms"},
	}
	for _, f := range fixtures {
		j := s.newJob(f.id, runtime.WithQueue(f.queue), runtime.WithMaxRetries(0))
		j.Type = f.jobType
		s.enqueue(j)
		s.fail(s.dequeueOne(f.queue, f.id))
		s.clock.Advance(time.Second)
	}
	cases := []struct {
		q    runtime.DeadLetterQuery
		want []string
	}{
		{runtime.DeadLetterQuery{}, []string{"b-sms-1", "a-mail-2", "a-sms-1", "b-mail-1", "a-mail-1"}},
		{runtime.DeadLetterQuery{Limit: 2}, []string{"b-sms-1", "a-mail-2"}},
		{runtime.DeadLetterQuery{Limit: 100}, []string{"b-sms-1", "a-mail-2", "a-sms-1", "b-mail-1", "a-mail-1"}},
		{runtime.DeadLetterQuery{Queue: "a"}, []string{"a-mail-2", "a-sms-1", "a-mail-1"}},
		{runtime.DeadLetterQuery{Queue: "b", Limit: 1}, []string{"b-sms-1"}},
		{runtime.DeadLetterQuery{Type: "mail"}, []string{"a-mail-2", "b-mail-1", "a-mail-1"}},
		{runtime.DeadLetterQuery{Type: "mail", Limit: 2}, []string{"a-mail-2", "b-mail-1"}},
		{runtime.DeadLetterQuery{Queue: "a", Type: "sms"}, []string{"a-sms-1"}},
		{runtime.DeadLetterQuery{Queue: "c"}, nil},
		{runtime.DeadLetterQuery{Type: "push"}, nil},
	}
	for _, c := range cases {
		s.expectIDs(fmt.Sprintf("DeadLetters(%+v)", c.q), s.deadLetters(c.q), c.want...)
	}
}

func testDeadLetterDefaultLimit(s *suite) {
	for i := range 25 {
		s.deadLetter(fmt.Sprintf("dead-%02d", i))
		s.clock.Advance(time.Second)
	}
	want := make([]string, 20)
	for i := range want {
		want[i] = fmt.Sprintf("dead-%02d", 24-i)
	}
	s.expectIDs("DeadLetters with no limit", s.deadLetters(runtime.DeadLetterQuery{}), want...)
	if n := len(s.deadLetters(runtime.DeadLetterQuery{Limit: 30})); n != 25 {
		s.t.Fatalf("DeadLetters(Limit 30) returned %d jobs, want 25", n)
	}
}

func testRetryDeadLetter(s *suite) {
	s.deadLetter("revived", runtime.WithQueue("work"))
	s.deadLetter("stays", runtime.WithQueue("work"))
	s.clock.Advance(time.Minute)
	got, err := s.b.RetryDeadLetter(s.ctx, "revived")
	if err != nil {
		s.t.Fatalf("RetryDeadLetter: %v", err)
	}
	if got.State != runtime.StatePending || got.Attempt != 0 || !got.ExecuteAt.Equal(s.clock.Now()) || !got.FinishedAt.IsZero() {
		s.t.Fatalf("retried job: %s, attempt %d, execute at %s, finished at %s; want pending, 0, now, zero", got.State, got.Attempt, got.ExecuteAt, got.FinishedAt)
	}
	s.expectJob("stored retried job", s.find("revived"), got)
	s.expectIDs("dead letters after the retry", s.deadLetters(runtime.DeadLetterQuery{}), "stays")
	s.expectSize("work", 1)
	run := s.dequeueOne("work", "revived")
	if run.Attempt != 1 || run.RetriesLeft() != 0 {
		s.t.Fatalf("retried job runs with Attempt %d, RetriesLeft %d; want 1, 0", run.Attempt, run.RetriesLeft())
	}
	s.complete(run)

	_, err = s.b.RetryDeadLetter(s.ctx, "nope")
	s.expectErr("RetryDeadLetter of an unknown job", err, runtime.ErrJobNotFound)
	_, err = s.b.RetryDeadLetter(s.ctx, "revived")
	s.expectErr("RetryDeadLetter of a completed job", err, runtime.ErrInvalidTransition)
	s.add("waiting")
	_, err = s.b.RetryDeadLetter(s.ctx, "waiting")
	s.expectErr("RetryDeadLetter of a pending job", err, runtime.ErrInvalidTransition)
	s.expectState("waiting", runtime.StatePending, 0)
}

// testCancel cancels jobs in every state but running, which the Cancel
// group covers.
func testCancel(s *suite) {
	setups := []struct {
		name  string
		setup func(s *suite) // leaves job "target" in the state to cancel
		state runtime.State  // of target before the cancel
		err   error          // nil: the cancel succeeds
	}{
		{"pending", func(s *suite) { s.add("target") }, runtime.StatePending, nil},
		{"scheduled", func(s *suite) { s.add("target", runtime.RunIn(time.Minute)) }, runtime.StateScheduled, nil},
		{"retrying", func(s *suite) {
			s.add("target")
			s.retry(s.dequeueOne(runtime.DefaultQueue, "target"), time.Minute)
		}, runtime.StateRetrying, nil},
		{"completed", func(s *suite) {
			s.add("target")
			s.complete(s.dequeueOne(runtime.DefaultQueue, "target"))
		}, runtime.StateCompleted, runtime.ErrInvalidTransition},
		{"failed", func(s *suite) { s.deadLetter("target") }, runtime.StateFailed, runtime.ErrInvalidTransition},
		{"cancelled", func(s *suite) {
			s.add("target")
			if _, err := s.b.Cancel(s.ctx, "target"); err != nil {
				s.t.Fatal(err)
			}
		}, runtime.StateCancelled, runtime.ErrInvalidTransition},
	}
	for _, c := range setups {
		s.each(c.name, func(s *suite) {
			c.setup(s)
			before := s.find("target")
			if before.State != c.state {
				s.t.Fatalf("fixture: target is %s, want %s", before.State, c.state)
			}
			s.clock.Advance(time.Second)
			got, err := s.b.Cancel(s.ctx, "target")
			if c.err != nil {
				s.expectErr("Cancel of a "+string(c.state)+" job", err, c.err)
				s.expectJob("job after a refused cancel", s.find("target"), before)
				return
			}
			if err != nil {
				s.t.Fatalf("Cancel: %v", err)
			}
			if got.State != runtime.StateCancelled || !got.FinishedAt.Equal(s.clock.Now()) {
				s.t.Fatalf("cancelled job is %s, finished at %s; want cancelled now", got.State, got.FinishedAt)
			}
			s.expectJob("stored cancelled job", s.find("target"), got)
			s.expectSize(runtime.DefaultQueue, 0)
			s.clock.Advance(time.Hour)
			s.promote(0)
			s.expectEmpty(runtime.DefaultQueue)
			s.expectState("target", runtime.StateCancelled, before.Attempt)
		})
	}
	_, err := s.b.Cancel(s.ctx, "nope")
	s.expectErr("Cancel of an unknown job", err, runtime.ErrJobNotFound)
}
