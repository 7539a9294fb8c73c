package backendtest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jobsgo/jobs"
)

// inspectorTests cover jobs.Inspector.
var inspectorTests = []test{
	{"ListPendingInTakeOrder", testListPending},
	{"ListPendingCursorIsNotAnOffset", testListPendingTaken},
	{"ListScheduledAndRetrying", testListScheduled},
	{"ListRunningByLeaseDeadline", testListRunning},
	{"ListFinishedNewestFirst", testListFinished},
	{"ListDefaultsAndEmpty", testListDefaults},
	{"InvalidCursor", testInvalidCursor},
	{"PauseBlocksDequeue", testPause},
	{"ResumeWakesDequeue", testResumeWakes},
	{"RetryDeadLetters", testRetryDeadLetters},
	{"PurgeDeadLetters", testPurgeDeadLetters},
}

// list reads one page.
func (s *suite) list(q jobs.JobQuery) jobs.JobPage {
	s.t.Helper()
	p, err := s.b.ListJobs(s.ctx, q)
	if err != nil {
		s.t.Fatalf("ListJobs(%+v): %v", q, err)
	}
	if q.Limit > 0 && len(p.Jobs) > q.Limit {
		s.t.Fatalf("ListJobs(%+v) returned %d jobs", q, len(p.Jobs))
	}
	for _, j := range p.Jobs {
		if j.Queue != q.Queue || j.State != q.State {
			s.t.Fatalf("ListJobs(%+v) returned job %s of queue %s in state %s", q, j.ID, j.Queue, j.State)
		}
	}
	return p
}

// listAll pages through a queue's jobs in one state with pages of size
// limit, checks the page sizes and returns the IDs of every page.
func (s *suite) listAll(queue string, state jobs.State, limit int) [][]string {
	s.t.Helper()
	q := jobs.JobQuery{Queue: queue, State: state, Limit: limit}
	var pages [][]string
	for {
		p := s.list(q)
		pages = append(pages, ids(p.Jobs))
		if p.NextCursor == "" {
			return pages
		}
		if len(p.Jobs) != limit {
			s.t.Fatalf("%s %s page %d has %d jobs and a next cursor; want full pages of %d", queue, state, len(pages), len(p.Jobs), limit)
		}
		if len(pages) > 100 {
			s.t.Fatalf("%s %s: more than 100 pages; the cursor does not advance", queue, state)
		}
		q.Cursor = p.NextCursor
	}
}

// expectPages pages through a queue's jobs and compares the pages' IDs.
func (s *suite) expectPages(queue string, state jobs.State, limit int, want ...[]string) {
	s.t.Helper()
	got := s.listAll(queue, state, limit)
	if !slices.EqualFunc(got, want, slices.Equal) {
		s.t.Fatalf("%s %s jobs in pages of %d = %v, want %v", queue, state, limit, got, want)
	}
}

// addTyped enqueues a job of jobType.
func (s *suite) addTyped(id, jobType string, opts ...jobs.EnqueueOption) jobs.Job {
	s.t.Helper()
	j := s.newJob(id, opts...)
	j.Type = jobType
	s.enqueue(j)
	return j
}

func testListPending(s *suite) {
	s.add("n1", jobs.WithQueue("q"))
	s.add("l1", jobs.WithQueue("q"), jobs.WithPriority(jobs.PriorityLow))
	s.add("c1", jobs.WithQueue("q"), jobs.WithPriority(jobs.PriorityCritical))
	s.add("n2", jobs.WithQueue("q"))
	s.add("h1", jobs.WithQueue("q"), jobs.WithPriority(jobs.PriorityHigh))
	s.add("other", jobs.WithQueue("other"))
	s.add("later", jobs.WithQueue("q"), jobs.RunIn(time.Hour))

	cases := []struct {
		limit int
		want  [][]string
	}{
		{1, [][]string{{"c1"}, {"h1"}, {"n1"}, {"n2"}, {"l1"}}},
		{2, [][]string{{"c1", "h1"}, {"n1", "n2"}, {"l1"}}},
		{3, [][]string{{"c1", "h1", "n1"}, {"n2", "l1"}}},
		{5, [][]string{{"c1", "h1", "n1", "n2", "l1"}}},
		{50, [][]string{{"c1", "h1", "n1", "n2", "l1"}}},
	}
	for _, c := range cases {
		s.expectPages("q", jobs.StatePending, c.limit, c.want...)
	}
	// The order listed is the order workers take them.
	for _, id := range []string{"c1", "h1", "n1", "n2", "l1"} {
		s.dequeueOne("q", id)
	}
}

func testListPendingTaken(s *suite) {
	for i := range 6 {
		s.add(fmt.Sprintf("p%d", i), jobs.WithQueue("q"))
	}
	first := s.list(jobs.JobQuery{Queue: "q", State: jobs.StatePending, Limit: 2})
	s.expectIDs("first page", first.Jobs, "p0", "p1")
	s.dequeueOne("q", "p0")
	s.dequeueOne("q", "p1")
	s.add("p6", jobs.WithQueue("q"))
	second := s.list(jobs.JobQuery{Queue: "q", State: jobs.StatePending, Limit: 3, Cursor: first.NextCursor})
	s.expectIDs("page after the listed jobs were taken", second.Jobs, "p2", "p3", "p4")
	third := s.list(jobs.JobQuery{Queue: "q", State: jobs.StatePending, Limit: 3, Cursor: second.NextCursor})
	s.expectIDs("last page", third.Jobs, "p5", "p6")
	if third.NextCursor != "" {
		s.t.Fatalf("last page has next cursor %q", third.NextCursor)
	}
}

func testListScheduled(s *suite) {
	for _, c := range []struct {
		id string
		in time.Duration
	}{{"s30", 30 * time.Minute}, {"s10", 10 * time.Minute}, {"s20", 20 * time.Minute}, {"s10b", 10 * time.Minute}} {
		s.add(c.id, jobs.WithQueue("q"), jobs.RunIn(c.in))
	}
	s.add("elsewhere", jobs.WithQueue("other"), jobs.RunIn(time.Minute))
	s.expectPages("q", jobs.StateScheduled, 3, []string{"s10", "s10b", "s20"}, []string{"s30"})
	s.expectPages("q", jobs.StateScheduled, 1, []string{"s10"}, []string{"s10b"}, []string{"s20"}, []string{"s30"})

	s.add("r-late", jobs.WithQueue("q"))
	s.add("r-soon", jobs.WithQueue("q"))
	late := s.dequeueOne("q", "r-late")
	soon := s.dequeueOne("q", "r-soon")
	s.retry(late, 5*time.Minute)
	s.retry(soon, time.Minute)
	s.expectPages("q", jobs.StateRetrying, 1, []string{"r-soon"}, []string{"r-late"})
	s.expectPages("q", jobs.StateScheduled, 10, []string{"s10", "s10b", "s20", "s30"})
}

func testListRunning(s *suite) {
	for _, id := range []string{"a", "b", "c"} {
		s.add(id, jobs.WithQueue("q"))
	}
	a := s.dequeueOne("q", "a")
	s.clock.Advance(time.Second)
	s.dequeueOne("q", "b")
	s.clock.Advance(time.Second)
	s.dequeueOne("q", "c")
	s.expectPages("q", jobs.StateRunning, 2, []string{"a", "b"}, []string{"c"})
	// Renewing a's lease moves it behind the others.
	lost, err := s.b.ExtendLeases(s.ctx, []jobs.Job{a}, s.clock.Now().Add(time.Hour))
	if err != nil || len(lost) > 0 {
		s.t.Fatalf("ExtendLeases = %v, %v", lost, err)
	}
	s.expectPages("q", jobs.StateRunning, 2, []string{"b", "c"}, []string{"a"})
}

func testListFinished(s *suite) {
	for _, id := range []string{"d1", "d2", "d3"} {
		s.deadLetter(id, jobs.WithQueue("q"))
		s.clock.Advance(time.Second)
	}
	s.deadLetter("d-other", jobs.WithQueue("other"))
	for _, id := range []string{"ok1", "ok2", "ok3"} {
		s.add(id, jobs.WithQueue("q"))
		s.complete(s.dequeueOne("q", id))
		s.clock.Advance(time.Second)
	}
	for _, id := range []string{"x1", "x2"} {
		s.add(id, jobs.WithQueue("q"))
		if _, err := s.b.Cancel(s.ctx, id); err != nil {
			s.t.Fatalf("Cancel(%s): %v", id, err)
		}
		s.clock.Advance(time.Second)
	}
	s.expectPages("q", jobs.StateFailed, 2, []string{"d3", "d2"}, []string{"d1"})
	s.expectPages("q", jobs.StateCompleted, 2, []string{"ok3", "ok2"}, []string{"ok1"})
	s.expectPages("q", jobs.StateCancelled, 1, []string{"x2"}, []string{"x1"})

	// A page resumes correctly after the last job it listed is retried away.
	first := s.list(jobs.JobQuery{Queue: "q", State: jobs.StateFailed, Limit: 1})
	s.expectIDs("first failed page", first.Jobs, "d3")
	if _, err := s.b.RetryDeadLetter(s.ctx, "d3"); err != nil {
		s.t.Fatal(err)
	}
	rest := s.list(jobs.JobQuery{Queue: "q", State: jobs.StateFailed, Limit: 5, Cursor: first.NextCursor})
	s.expectIDs("failed page after its predecessor left", rest.Jobs, "d2", "d1")
}

func testListDefaults(s *suite) {
	for i := range 25 {
		s.add(fmt.Sprintf("j%02d", i), jobs.WithQueue("q"))
	}
	p := s.list(jobs.JobQuery{Queue: "q", State: jobs.StatePending})
	if len(p.Jobs) != 20 || p.NextCursor == "" {
		s.t.Fatalf("default page: %d jobs, next cursor %q; want 20 and a cursor", len(p.Jobs), p.NextCursor)
	}
	p = s.list(jobs.JobQuery{Queue: "q", State: jobs.StatePending, Cursor: p.NextCursor})
	s.expectIDs("second default page", p.Jobs, "j20", "j21", "j22", "j23", "j24")
	for _, st := range jobs.States {
		if p := s.list(jobs.JobQuery{Queue: "nowhere", State: st}); len(p.Jobs) != 0 || p.NextCursor != "" {
			s.t.Fatalf("%s jobs of an unknown queue: %v, cursor %q", st, ids(p.Jobs), p.NextCursor)
		}
	}
	s.expectPages("q", jobs.StateScheduled, 10, []string{})
}

func testInvalidCursor(s *suite) {
	for i := range 3 {
		s.add(fmt.Sprintf("p%d", i), jobs.WithQueue("q"))
		s.add(fmt.Sprintf("o%d", i), jobs.WithQueue("other"))
	}
	p := s.list(jobs.JobQuery{Queue: "q", State: jobs.StatePending, Limit: 1})
	if p.NextCursor == "" {
		s.t.Fatal("no next cursor")
	}
	cases := []struct {
		name string
		q    jobs.JobQuery
	}{
		{"garbage", jobs.JobQuery{Queue: "q", State: jobs.StatePending, Cursor: "not a cursor!"}},
		{"truncated", jobs.JobQuery{Queue: "q", State: jobs.StatePending, Cursor: p.NextCursor[:len(p.NextCursor)/2]}},
		{"other queue", jobs.JobQuery{Queue: "other", State: jobs.StatePending, Cursor: p.NextCursor}},
		{"other state", jobs.JobQuery{Queue: "q", State: jobs.StateFailed, Cursor: p.NextCursor}},
	}
	for _, c := range cases {
		_, err := s.b.ListJobs(s.ctx, c.q)
		s.expectErr("ListJobs with a cursor that is "+c.name, err, jobs.ErrInvalidCursor)
	}
}

func testPause(s *suite) {
	s.add("p1", jobs.WithQueue("q"))
	s.add("o1", jobs.WithQueue("other"))
	if err := s.b.PauseQueue(s.ctx, "q"); err != nil {
		s.t.Fatalf("PauseQueue: %v", err)
	}
	if err := s.b.PauseQueue(s.ctx, "q"); err != nil {
		s.t.Fatalf("second PauseQueue: %v", err)
	}
	s.expectEmpty("q")
	s.add("p2", jobs.WithQueue("q"))
	s.expectSize("q", 2)
	s.add("s1", jobs.WithQueue("q"), jobs.RunIn(time.Minute))
	s.clock.Advance(2 * time.Minute)
	s.promote(1)
	s.expectEmpty("q")
	s.dequeueOne("other", "o1")
	st := s.stats()
	if q := s.queueStats(st, "q"); !q.Paused || q.Pending != 3 {
		s.t.Fatalf("stats of the paused queue: paused %v, pending %d; want true, 3", q.Paused, q.Pending)
	}
	if s.queueStats(st, "other").Paused {
		s.t.Fatal("the other queue shows paused")
	}
	if err := s.b.ResumeQueue(s.ctx, "q"); err != nil {
		s.t.Fatalf("ResumeQueue: %v", err)
	}
	if s.queueStats(s.stats(), "q").Paused {
		s.t.Fatal("the resumed queue shows paused")
	}
	s.expectIDs("jobs after resume", s.dequeue("q", 10), "p1", "p2", "s1")

	if err := s.b.PauseQueue(s.ctx, "fresh"); err != nil {
		s.t.Fatalf("PauseQueue of a queue with no jobs: %v", err)
	}
	s.add("f1", jobs.WithQueue("fresh"))
	s.expectEmpty("fresh")
	if err := s.b.PauseQueue(s.ctx, "bad{name}"); err == nil {
		s.t.Fatal("PauseQueue accepted an invalid queue name")
	}
}

func testResumeWakes(s *suite) {
	if err := s.b.PauseQueue(s.ctx, "q"); err != nil {
		s.t.Fatal(err)
	}
	s.add("p1", jobs.WithQueue("q"))
	ctx, cancel := context.WithTimeout(s.ctx, waitTimeout)
	defer cancel()
	done := s.dequeueAsync(ctx, "q")
	s.expectBlocked(done, "paused")
	resumed := time.Now()
	if err := s.b.ResumeQueue(s.ctx, "q"); err != nil {
		s.t.Fatal(err)
	}
	r := s.await(done)
	if r.err != nil {
		s.t.Fatalf("Dequeue after resume: %v", r.err)
	}
	s.expectIDs("dequeued after resume", r.jobs, "p1")
	if d := r.at.Sub(resumed); d > promptly {
		s.t.Fatalf("Dequeue returned %s after resume; want within %s", d, promptly)
	}
}

// deadLetterFixtures fills the dead-letter queue: jobs of queues a and b and
// types mail and sms, failed one second apart in the order listed.
func (s *suite) deadLetterFixtures() {
	s.t.Helper()
	for _, f := range []struct{ id, queue, jobType string }{
		{"a-mail-1", "a", "mail"},
		{"b-mail-1", "b", "mail"},
		{"a-sms-1", "a", "sms"},
		{"a-mail-2", "a", "mail"},
		{"b-sms-1", "b", "sms"},
	} {
		s.addTyped(f.id, f.jobType, jobs.WithQueue(f.queue), jobs.WithMaxRetries(0))
		s.fail(s.dequeueOne(f.queue, f.id))
		s.clock.Advance(time.Second)
	}
}

// dlqCases are the filters the bulk dead-letter tests apply and the IDs
// (oldest first) each must select.
var dlqCases = []struct {
	name string
	q    jobs.DeadLetterQuery
	want []string
}{
	{"all", jobs.DeadLetterQuery{}, []string{"a-mail-1", "b-mail-1", "a-sms-1", "a-mail-2", "b-sms-1"}},
	{"queue", jobs.DeadLetterQuery{Queue: "a"}, []string{"a-mail-1", "a-sms-1", "a-mail-2"}},
	{"type", jobs.DeadLetterQuery{Type: "sms"}, []string{"a-sms-1", "b-sms-1"}},
	{"queue and type", jobs.DeadLetterQuery{Queue: "a", Type: "mail", Limit: 1}, []string{"a-mail-1", "a-mail-2"}},
	{"no match", jobs.DeadLetterQuery{Queue: "c"}, nil},
}

// remainingDead lists the IDs left in the dead-letter queue, oldest first.
func (s *suite) remainingDead() []string {
	left := ids(s.deadLetters(jobs.DeadLetterQuery{Limit: 100}))
	slices.Reverse(left)
	return left
}

func testRetryDeadLetters(s *suite) {
	for _, c := range dlqCases {
		s.each(c.name, func(s *suite) {
			s.deadLetterFixtures()
			all := s.remainingDead()
			n, err := s.b.RetryDeadLetters(s.ctx, c.q)
			if err != nil || n != len(c.want) {
				s.t.Fatalf("RetryDeadLetters(%+v) = %d, %v; want %d", c.q, n, err, len(c.want))
			}
			for _, id := range c.want {
				s.expectState(id, jobs.StatePending, 0)
			}
			left := slices.DeleteFunc(all, func(id string) bool { return slices.Contains(c.want, id) })
			if got := s.remainingDead(); !slices.Equal(got, left) {
				s.t.Fatalf("dead letters after retry = %v, want %v", got, left)
			}
			for _, queue := range []string{"a", "b"} {
				var want []string
				for _, id := range c.want {
					if id[0] == queue[0] {
						want = append(want, id)
					}
				}
				// Retried jobs keep the order in which they failed.
				s.expectPages(queue, jobs.StatePending, 10, want)
			}
		})
	}
}

func testPurgeDeadLetters(s *suite) {
	for _, c := range dlqCases {
		s.each(c.name, func(s *suite) {
			s.deadLetterFixtures()
			all := s.remainingDead()
			n, err := s.b.PurgeDeadLetters(s.ctx, c.q)
			if err != nil || n != len(c.want) {
				s.t.Fatalf("PurgeDeadLetters(%+v) = %d, %v; want %d", c.q, n, err, len(c.want))
			}
			for _, id := range c.want {
				_, err := s.b.Job(s.ctx, id)
				s.expectErr("Job("+id+") after purge", err, jobs.ErrJobNotFound)
			}
			left := slices.DeleteFunc(all, func(id string) bool { return slices.Contains(c.want, id) })
			if got := s.remainingDead(); !slices.Equal(got, left) {
				s.t.Fatalf("dead letters after purge = %v, want %v", got, left)
			}
			if st := s.stats(); st.DeadLetters != int64(len(left)) {
				s.t.Fatalf("Stats.DeadLetters = %d, want %d", st.DeadLetters, len(left))
			}
		})
	}
}
