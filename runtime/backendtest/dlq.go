package backendtest

import (
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

var deadLetterTests = []test{
	{"FailedJobGoesToDeadLetters", testDeadLetter},
	{"DeadLetterQuery", testDeadLetterQuery},
	{"DeadLetterDefaultLimit", testDeadLetterDefaultLimit},
	{"RetryDeadLetter", testRetryDeadLetter},
	{"Cancel", testCancel},
}

// deadLetters lists the dead-letter queue.
func (s *suite) deadLetters(q jobs.DeadLetterQuery) []jobs.Job {
	s.t.Helper()
	batch, err := s.b.DeadLetters(s.ctx, q)
	if err != nil {
		s.t.Fatalf("DeadLetters(%+v): %v", q, err)
	}
	return batch
}

func testDeadLetter(s *suite) {
	s.add("doomed", jobs.WithMaxRetries(1), jobs.WithMetadata("k", "v"))
	first := s.dequeueOne(jobs.DefaultQueue, "doomed")
	s.retry(first, time.Second)
	s.clock.Advance(time.Second)
	s.promote(1)
	last := s.dequeueOne(jobs.DefaultQueue, "doomed")
	s.clock.Advance(time.Second)
	failed := s.fail(last)
	stored := s.expectState("doomed", jobs.StateFailed, 2)
	s.expectJob("stored failed job", stored, failed)
	dead := s.deadLetters(jobs.DeadLetterQuery{})
	s.expectIDs("dead letters", dead, "doomed")
	s.expectJob("dead letter", dead[0], failed)
	s.expectSize(jobs.DefaultQueue, 0)
	s.clock.Advance(time.Hour)
	s.promote(0)
	s.recover(0)
	s.expectEmpty(jobs.DefaultQueue)
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
		j := s.newJob(f.id, jobs.WithQueue(f.queue), jobs.WithMaxRetries(0))
		j.Type = f.jobType
		s.enqueue(j)
		s.fail(s.dequeueOne(f.queue, f.id))
		s.clock.Advance(time.Second)
	}
	cases := []struct {
		q    jobs.DeadLetterQuery
		want []string
	}{
		{jobs.DeadLetterQuery{}, []string{"b-sms-1", "a-mail-2", "a-sms-1", "b-mail-1", "a-mail-1"}},
		{jobs.DeadLetterQuery{Limit: 2}, []string{"b-sms-1", "a-mail-2"}},
		{jobs.DeadLetterQuery{Limit: 100}, []string{"b-sms-1", "a-mail-2", "a-sms-1", "b-mail-1", "a-mail-1"}},
		{jobs.DeadLetterQuery{Queue: "a"}, []string{"a-mail-2", "a-sms-1", "a-mail-1"}},
		{jobs.DeadLetterQuery{Queue: "b", Limit: 1}, []string{"b-sms-1"}},
		{jobs.DeadLetterQuery{Type: "mail"}, []string{"a-mail-2", "b-mail-1", "a-mail-1"}},
		{jobs.DeadLetterQuery{Type: "mail", Limit: 2}, []string{"a-mail-2", "b-mail-1"}},
		{jobs.DeadLetterQuery{Queue: "a", Type: "sms"}, []string{"a-sms-1"}},
		{jobs.DeadLetterQuery{Queue: "c"}, nil},
		{jobs.DeadLetterQuery{Type: "push"}, nil},
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
	s.expectIDs("DeadLetters with no limit", s.deadLetters(jobs.DeadLetterQuery{}), want...)
	if n := len(s.deadLetters(jobs.DeadLetterQuery{Limit: 30})); n != 25 {
		s.t.Fatalf("DeadLetters(Limit 30) returned %d jobs, want 25", n)
	}
}

func testRetryDeadLetter(s *suite) {
	s.deadLetter("revived", jobs.WithQueue("work"))
	s.deadLetter("stays", jobs.WithQueue("work"))
	s.clock.Advance(time.Minute)
	got, err := s.b.RetryDeadLetter(s.ctx, "revived")
	if err != nil {
		s.t.Fatalf("RetryDeadLetter: %v", err)
	}
	if got.State != jobs.StatePending || got.Attempt != 0 || !got.ExecuteAt.Equal(s.clock.Now()) || !got.FinishedAt.IsZero() {
		s.t.Fatalf("retried job: %s, attempt %d, execute at %s, finished at %s; want pending, 0, now, zero", got.State, got.Attempt, got.ExecuteAt, got.FinishedAt)
	}
	s.expectJob("stored retried job", s.find("revived"), got)
	s.expectIDs("dead letters after the retry", s.deadLetters(jobs.DeadLetterQuery{}), "stays")
	s.expectSize("work", 1)
	run := s.dequeueOne("work", "revived")
	if run.Attempt != 1 || run.RetriesLeft() != 0 {
		s.t.Fatalf("retried job runs with Attempt %d, RetriesLeft %d; want 1, 0", run.Attempt, run.RetriesLeft())
	}
	s.complete(run)

	_, err = s.b.RetryDeadLetter(s.ctx, "nope")
	s.expectErr("RetryDeadLetter of an unknown job", err, jobs.ErrJobNotFound)
	_, err = s.b.RetryDeadLetter(s.ctx, "revived")
	s.expectErr("RetryDeadLetter of a completed job", err, jobs.ErrInvalidTransition)
	s.add("waiting")
	_, err = s.b.RetryDeadLetter(s.ctx, "waiting")
	s.expectErr("RetryDeadLetter of a pending job", err, jobs.ErrInvalidTransition)
	s.expectState("waiting", jobs.StatePending, 0)
}

// testCancel cancels jobs in every state but running, which the Cancel
// group covers.
func testCancel(s *suite) {
	setups := []struct {
		name  string
		setup func(s *suite) // leaves job "target" in the state to cancel
		state jobs.State     // of target before the cancel
		err   error          // nil: the cancel succeeds
	}{
		{"pending", func(s *suite) { s.add("target") }, jobs.StatePending, nil},
		{"scheduled", func(s *suite) { s.add("target", jobs.RunIn(time.Minute)) }, jobs.StateScheduled, nil},
		{"retrying", func(s *suite) {
			s.add("target")
			s.retry(s.dequeueOne(jobs.DefaultQueue, "target"), time.Minute)
		}, jobs.StateRetrying, nil},
		{"completed", func(s *suite) {
			s.add("target")
			s.complete(s.dequeueOne(jobs.DefaultQueue, "target"))
		}, jobs.StateCompleted, jobs.ErrInvalidTransition},
		{"failed", func(s *suite) { s.deadLetter("target") }, jobs.StateFailed, jobs.ErrInvalidTransition},
		{"cancelled", func(s *suite) {
			s.add("target")
			if _, err := s.b.Cancel(s.ctx, "target"); err != nil {
				s.t.Fatal(err)
			}
		}, jobs.StateCancelled, jobs.ErrInvalidTransition},
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
			if got.State != jobs.StateCancelled || !got.FinishedAt.Equal(s.clock.Now()) {
				s.t.Fatalf("cancelled job is %s, finished at %s; want cancelled now", got.State, got.FinishedAt)
			}
			s.expectJob("stored cancelled job", s.find("target"), got)
			s.expectSize(jobs.DefaultQueue, 0)
			s.clock.Advance(time.Hour)
			s.promote(0)
			s.expectEmpty(jobs.DefaultQueue)
			s.expectState("target", jobs.StateCancelled, before.Attempt)
		})
	}
	_, err := s.b.Cancel(s.ctx, "nope")
	s.expectErr("Cancel of an unknown job", err, jobs.ErrJobNotFound)
}
