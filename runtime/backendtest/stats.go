package backendtest

import (
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

var statsTests = []test{
	{"QueueFigures", testStats},
	{"ExpiredLeaseCountsAsFailedAttempt", testStatsExpired},
	{"History", testHistory},
	{"Workers", testWorkers},
}

// stats reads the backend's figures.
func (s *suite) stats() jobs.Stats {
	s.t.Helper()
	st, err := s.b.Stats(s.ctx)
	if err != nil {
		s.t.Fatalf("Stats: %v", err)
	}
	return st
}

// queueStats returns the figures of the named queue.
func (s *suite) queueStats(st jobs.Stats, name string) jobs.QueueStats {
	s.t.Helper()
	for _, q := range st.Queues {
		if q.Name == name {
			return q
		}
	}
	s.t.Fatalf("Stats has no queue %q: %+v", name, st.Queues)
	return jobs.QueueStats{}
}

func testStats(s *suite) {
	empty := s.stats()
	if empty.Processed != 0 || empty.DeadLetters != 0 || len(empty.Queues) != 0 || len(empty.Workers) != 0 || empty.AvgDuration != 0 {
		s.t.Fatalf("Stats of an empty backend = %+v", empty)
	}

	// Queue b: two successes taking 1 s and 3 s.
	s.add("b1", jobs.WithQueue("b"))
	s.add("b2", jobs.WithQueue("b"))
	bs := s.dequeue("b", 2)
	s.expectIDs("queue b", bs, "b1", "b2")
	s.clock.Advance(time.Second)
	s.complete(bs[0])
	s.clock.Advance(2 * time.Second)
	s.complete(bs[1])

	// Queue a: a retried attempt of 2 s and a dead one of 4 s, then one
	// running, two pending and one scheduled job.
	s.add("a-retry", jobs.WithQueue("a"), jobs.WithPriority(jobs.PriorityHigh))
	s.add("a-dead", jobs.WithQueue("a"), jobs.WithMaxRetries(0))
	as := s.dequeue("a", 2)
	s.expectIDs("queue a", as, "a-retry", "a-dead")
	s.clock.Advance(2 * time.Second)
	s.retry(as[0], time.Hour)
	s.clock.Advance(2 * time.Second)
	s.fail(as[1])
	s.add("a-run", jobs.WithQueue("a"))
	s.dequeueOne("a", "a-run")
	s.add("a-p1", jobs.WithQueue("a"))
	s.add("a-p2", jobs.WithQueue("a"), jobs.WithPriority(jobs.PriorityLow))
	s.add("a-sched", jobs.WithQueue("a"), jobs.RunIn(time.Hour))

	st := s.stats()
	if len(st.Queues) != 2 || st.Queues[0].Name != "a" || st.Queues[1].Name != "b" {
		s.t.Fatalf("Stats queues = %+v, want a and b in that order", st.Queues)
	}
	wantA := jobs.QueueStats{Name: "a", Pending: 2, Scheduled: 1, Retrying: 1, Running: 1, DeadLetters: 1,
		Processed: 2, Succeeded: 0, Failed: 2, AvgDuration: 3 * time.Second}
	wantB := jobs.QueueStats{Name: "b", Processed: 2, Succeeded: 2, AvgDuration: 2 * time.Second}
	if st.Queues[0] != wantA {
		s.t.Fatalf("queue a figures:\n got %+v\nwant %+v", st.Queues[0], wantA)
	}
	if st.Queues[1] != wantB {
		s.t.Fatalf("queue b figures:\n got %+v\nwant %+v", st.Queues[1], wantB)
	}
	if st.Processed != 4 || st.Succeeded != 2 || st.Failed != 2 || st.DeadLetters != 1 || st.AvgDuration != 2500*time.Millisecond {
		s.t.Fatalf("overall figures: processed %d, succeeded %d, failed %d, dead letters %d, avg %s; want 4, 2, 2, 1, 2.5s",
			st.Processed, st.Succeeded, st.Failed, st.DeadLetters, st.AvgDuration)
	}

	// Retrying the dead letter and cancelling the scheduled job update the
	// gauges but not the counters.
	if _, err := s.b.RetryDeadLetter(s.ctx, "a-dead"); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.b.Cancel(s.ctx, "a-sched"); err != nil {
		s.t.Fatal(err)
	}
	wantA.Pending, wantA.Scheduled, wantA.DeadLetters = 3, 0, 0
	st = s.stats()
	if got := s.queueStats(st, "a"); got != wantA {
		s.t.Fatalf("queue a figures after retry and cancel:\n got %+v\nwant %+v", got, wantA)
	}
	if st.Processed != 4 || st.DeadLetters != 0 {
		s.t.Fatalf("overall after retry and cancel: processed %d, dead letters %d; want 4, 0", st.Processed, st.DeadLetters)
	}
}

// testStatsExpired: an attempt lost to an expired lease is processed and
// failed, but its handler time is unknown, so it is left out of AvgDuration.
func testStatsExpired(s *suite) {
	expect := func(step string, processed, succeeded, failed, dead, pending int64, avg time.Duration) {
		s.t.Helper()
		st := s.stats()
		q := s.queueStats(st, jobs.DefaultQueue)
		if st.Processed != processed || st.Succeeded != succeeded || st.Failed != failed || st.DeadLetters != dead || st.AvgDuration != avg ||
			q.Processed != processed || q.Succeeded != succeeded || q.Failed != failed || q.DeadLetters != dead || q.AvgDuration != avg ||
			q.Pending != pending || q.Running != 0 {
			s.t.Fatalf("%s: overall %+v, queue %+v; want processed %d, succeeded %d, failed %d, dead letters %d, pending %d, avg %s",
				step, st, q, processed, succeeded, failed, dead, pending, avg)
		}
	}
	s.add("lost", jobs.WithMaxRetries(1))
	s.dequeueOne(jobs.DefaultQueue, "lost")
	s.clock.Advance(lease + time.Second)
	s.recover(1)
	expect("after an expired lease", 1, 0, 1, 0, 1, 0)

	run := s.dequeueOne(jobs.DefaultQueue, "lost")
	s.clock.Advance(2 * time.Second)
	s.complete(run)
	expect("after the retry succeeded", 2, 1, 1, 0, 0, 2*time.Second)

	s.add("lost-for-good", jobs.WithMaxRetries(0))
	s.isolate(s.dequeueOne(jobs.DefaultQueue, "lost-for-good"))
	s.clock.Advance(lease + time.Second)
	s.recover(1)
	expect("after the last lease expired", 3, 1, 2, 1, 0, 2*time.Second)
}

func testHistory(s *suite) {
	run := func(id, jobType string, ok bool) {
		j := s.newJob(id, jobs.WithMaxRetries(0))
		j.Type = jobType
		s.enqueue(j)
		r := s.dequeueOne(jobs.DefaultQueue, id)
		s.clock.Advance(time.Second)
		if ok {
			s.complete(r)
		} else {
			s.fail(r)
		}
	}
	run("m1", "mail", true)
	run("s1", "sms", true)
	run("m2", "mail", false)
	run("m3", "mail", true)
	s.add("m-pending")
	s.add("m-retry", jobs.WithMaxRetries(1))
	s.dequeueOne(jobs.DefaultQueue, "m-pending")
	s.retry(s.dequeueOne(jobs.DefaultQueue, "m-retry"), time.Hour)

	cases := []struct {
		jobType string
		limit   int
		want    []string
	}{
		{"mail", 10, []string{"m3", "m2", "m1"}},
		{"mail", 2, []string{"m3", "m2"}},
		{"mail", 1, []string{"m3"}},
		{"sms", 10, []string{"s1"}},
		{"push", 10, nil},
	}
	for _, c := range cases {
		got, err := s.b.History(s.ctx, c.jobType, c.limit)
		if err != nil {
			s.t.Fatalf("History(%s, %d): %v", c.jobType, c.limit, err)
		}
		s.expectIDs(fmt.Sprintf("History(%s, %d)", c.jobType, c.limit), got, c.want...)
		for _, j := range got {
			if j.State != jobs.StateCompleted && j.State != jobs.StateFailed {
				s.t.Fatalf("History(%s) holds job %s in state %s", c.jobType, j.ID, j.State)
			}
		}
	}
	got, err := s.b.History(s.ctx, "mail", 10)
	if err != nil {
		s.t.Fatal(err)
	}
	if got[0].State != jobs.StateCompleted || string(got[0].Result) != `{"ok":true}` || got[1].State != jobs.StateFailed || got[1].Error == nil {
		s.t.Fatalf("History(mail) entries: %+v", got[:2])
	}
}

func testWorkers(s *suite) {
	now := s.clock.Now()
	worker := func(id, process string, running bool) jobs.WorkerInfo {
		w := jobs.WorkerInfo{ID: id, ProcessID: process, Queue: "default", Status: jobs.WorkerIdle, LastHeartbeat: now}
		if running {
			w.Status, w.JobID, w.JobType, w.JobStartedAt = jobs.WorkerRunning, "job-"+id, "mail", now.Add(-time.Second)
		}
		return w
	}
	w1, w2, w3 := worker("p1-w1", "p1", true), worker("p1-w2", "p1", false), worker("p2-w1", "p2", true)
	report := func(process string, ttl time.Duration, ws ...jobs.WorkerInfo) {
		if err := s.b.ReportWorkers(s.ctx, process, ws, ttl); err != nil {
			s.t.Fatalf("ReportWorkers(%s): %v", process, err)
		}
	}
	expect := func(step string, want ...jobs.WorkerInfo) {
		s.t.Helper()
		got := s.stats().Workers
		if len(got) != len(want) {
			s.t.Fatalf("%s: %d workers %+v, want %d", step, len(got), got, len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.ID != w.ID || g.ProcessID != w.ProcessID || g.Queue != w.Queue || g.Status != w.Status || g.JobID != w.JobID ||
				g.JobType != w.JobType || !g.JobStartedAt.Equal(w.JobStartedAt) || !g.LastHeartbeat.Equal(w.LastHeartbeat) {
				s.t.Fatalf("%s: worker %d = %+v, want %+v", step, i, g, w)
			}
		}
	}

	report("p2", time.Minute, w3)
	report("p1", 30*time.Second, w2, w1)
	expect("after two reports", w1, w2, w3)
	report("p1", 30*time.Second, w2)
	expect("after p1 replaced its report", w2, w3)
	s.clock.Advance(20 * time.Second)
	report("p1", 30*time.Second, w1, w2)
	s.clock.Advance(20 * time.Second)
	expect("after 40 s, p1 renewed at 20 s", w1, w2, w3)
	s.clock.Advance(11 * time.Second)
	expect("after 51 s, p1's report expired", w3)
	report("p1", 30*time.Second, w1)
	s.clock.Advance(10 * time.Second)
	expect("after 61 s, p2's report expired", w1)
	if err := s.b.RemoveWorkers(s.ctx, "p1"); err != nil {
		s.t.Fatalf("RemoveWorkers: %v", err)
	}
	expect("after p1 left")
	report("p2", time.Minute, w3)
	expect("after p2 came back", w3)
}
