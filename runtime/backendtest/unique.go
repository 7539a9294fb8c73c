package backendtest

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

var uniqueTests = []test{
	{"ByArgs", testUniqueByArgs},
	{"ByKey", testUniqueByKey},
	{"HeldWhileActive", testUniqueWhileActive},
	{"HeldForTTL", testUniqueTTL},
	{"TTLPassedWhilePending", testUniqueTTLPending},
	{"BatchAllOrNone", testUniqueBatch},
	{"ConcurrentProducers", testUniqueConcurrent},
}

// typedJob makes a valid job with the given ID, type and JSON args, stamped
// with the clock.
func (s *suite) typedJob(id, jobType, args string, opts ...jobs.EnqueueOption) jobs.Job {
	s.t.Helper()
	o := jobs.ResolveEnqueueOptions(append([]jobs.EnqueueOption{jobs.WithJobID(id)}, opts...)...)
	j, err := jobs.NewJob(jobType, []byte(args), o, s.clock.Now())
	if err != nil {
		s.t.Fatalf("NewJob(%s): %v", id, err)
	}
	return j
}

// expectHeld checks that err reports key as held by the job holder.
func (s *suite) expectHeld(what string, err error, key, holder string) {
	s.t.Helper()
	if !errors.Is(err, jobs.ErrUniqueJobExists) {
		s.t.Fatalf("%s: err = %v, want ErrUniqueJobExists", what, err)
	}
	var ue *jobs.UniqueJobExistsError
	if !errors.As(err, &ue) {
		s.t.Fatalf("%s: err %v (%T) is not a *jobs.UniqueJobExistsError", what, err, err)
	}
	if ue.Key != key || ue.ExistingJobID != holder {
		s.t.Fatalf("%s: key %q held by %q, want %q held by %q", what, ue.Key, ue.ExistingJobID, key, holder)
	}
}

// expectMissing checks that no job has one of ids.
func (s *suite) expectMissing(ids ...string) {
	s.t.Helper()
	for _, id := range ids {
		if _, err := s.b.Job(s.ctx, id); !errors.Is(err, jobs.ErrJobNotFound) {
			s.t.Fatalf("Job(%s): err = %v, want ErrJobNotFound", id, err)
		}
	}
}

// enqueueUnique enqueues j and checks the outcome: stored when holder is
// "", else refused because holder holds j's key.
func (s *suite) enqueueUnique(what string, j jobs.Job, holder string) {
	s.t.Helper()
	err := s.b.Enqueue(s.ctx, j)
	if holder == "" {
		if err != nil {
			s.t.Fatalf("%s: Enqueue(%s): %v", what, j.ID, err)
		}
		s.expectState(j.ID, j.State, 0)
		return
	}
	s.expectHeld(what, err, j.UniqueKey, holder)
	s.expectMissing(j.ID)
}

func testUniqueByArgs(s *suite) {
	unique := jobs.Unique(0)
	cases := []struct {
		name, id, jobType, args string
		opts                    []jobs.EnqueueOption
		holder                  string // "": the enqueue succeeds
	}{
		{"first", "u1", "test.job", `{"a":1,"b":2}`, []jobs.EnqueueOption{unique}, ""},
		{"keys reordered", "u2", "test.job", `{"b":2,"a":1}`, []jobs.EnqueueOption{unique}, "u1"},
		{"white space", "u3", "test.job", " {\n \"a\" : 1 , \"b\":2 } ", []jobs.EnqueueOption{unique}, "u1"},
		{"other queue and priority", "u4", "test.job", `{"a":1,"b":2}`, []jobs.EnqueueOption{unique, jobs.WithQueue("other"), jobs.WithPriority(jobs.PriorityHigh)}, "u1"},
		{"different args", "u5", "test.job", `{"a":1,"b":3}`, []jobs.EnqueueOption{unique}, ""},
		{"extra field", "u6", "test.job", `{"a":1,"b":2,"c":null}`, []jobs.EnqueueOption{unique}, ""},
		{"different type", "u7", "other.job", `{"a":1,"b":2}`, []jobs.EnqueueOption{unique}, ""},
		{"not unique", "u8", "test.job", `{"a":1,"b":2}`, nil, ""},
		{"nested first", "n1", "test.job", `{"x":{"p":[1,{"q":2,"r":3}],"s":"t"}}`, []jobs.EnqueueOption{unique}, ""},
		{"nested reordered", "n2", "test.job", `{"x":{"s":"t","p":[1,{"r":3,"q":2}]}}`, []jobs.EnqueueOption{unique}, "n1"},
		{"array reordered", "n3", "test.job", `{"x":{"s":"t","p":[{"r":3,"q":2},1]}}`, []jobs.EnqueueOption{unique}, ""},
		{"again after a refusal", "u9", "test.job", `{"b":2,"a":1}`, []jobs.EnqueueOption{unique}, "u1"},
	}
	for _, c := range cases {
		s.enqueueUnique(c.name, s.typedJob(c.id, c.jobType, c.args, c.opts...), c.holder)
	}
	s.expectSize(jobs.DefaultQueue, 7)
	s.expectSize("other", 0)
}

func testUniqueByKey(s *suite) {
	byKey := func(key string) jobs.EnqueueOption { return jobs.UniqueByKey(key, 0) }
	cases := []struct {
		name, id, jobType, args string
		opt                     jobs.EnqueueOption
		holder                  string
	}{
		{"first", "k1", "test.job", `{"n":1}`, byKey("user-42"), ""},
		{"same key, other args", "k2", "test.job", `{"n":2}`, byKey("user-42"), "k1"},
		{"same key, other type", "k3", "other.job", `{"n":1}`, byKey("user-42"), ""},
		{"other key", "k4", "test.job", `{"n":1}`, byKey("user-43"), ""},
		{"same args, by args", "k5", "test.job", `{"n":1}`, jobs.Unique(0), ""},
		{"same args, by args again", "k6", "test.job", `{"n":1}`, jobs.Unique(0), "k5"},
		{"same key, other type again", "k7", "other.job", `{"n":3}`, byKey("user-42"), "k3"},
	}
	for _, c := range cases {
		s.enqueueUnique(c.name, s.typedJob(c.id, c.jobType, c.args, c.opt), c.holder)
	}
}

// keyOf is the unique key that UniqueByKey(key) gives a job of the suite.
func (s *suite) keyOf(key string) string {
	s.t.Helper()
	return s.newJob("probe", jobs.UniqueByKey(key, 0)).UniqueKey
}

func testUniqueWhileActive(s *suite) {
	hold := jobs.UniqueByKey("report", 0)
	cancel := func(s *suite, id string) {
		s.t.Helper()
		if _, err := s.b.Cancel(s.ctx, id); err != nil {
			s.t.Fatalf("Cancel(%s): %v", id, err)
		}
	}
	cases := []struct {
		name  string
		setup func(s *suite) // leaves job "holder", unique by key "report", in some state
		held  bool
	}{
		{"pending", func(s *suite) { s.add("holder", hold) }, true},
		{"scheduled", func(s *suite) { s.add("holder", hold, jobs.RunIn(time.Hour)) }, true},
		{"running", func(s *suite) {
			s.add("holder", hold)
			s.dequeueOne(jobs.DefaultQueue, "holder")
		}, true},
		{"retrying", func(s *suite) {
			s.add("holder", hold)
			s.retry(s.dequeueOne(jobs.DefaultQueue, "holder"), time.Hour)
		}, true},
		{"released", func(s *suite) {
			s.add("holder", hold)
			back, err := s.dequeueOne(jobs.DefaultQueue, "holder").Release(s.clock.Now())
			if err != nil {
				s.t.Fatal(err)
			}
			s.ack(back)
		}, true},
		{"back from an expired lease", func(s *suite) {
			s.add("holder", hold)
			s.dequeueOne(jobs.DefaultQueue, "holder")
			s.clock.Advance(lease + time.Second)
			s.recover(1)
		}, true},
		{"requeued from the dead-letter queue", func(s *suite) {
			s.deadLetter("holder", hold)
			if _, err := s.b.RetryDeadLetter(s.ctx, "holder"); err != nil {
				s.t.Fatalf("RetryDeadLetter: %v", err)
			}
		}, true},
		{"requeued after another job used the key", func(s *suite) {
			s.deadLetter("holder", hold)
			s.add("interim", hold)
			s.complete(s.dequeueOne(jobs.DefaultQueue, "interim"))
			if _, err := s.b.RetryDeadLetter(s.ctx, "holder"); err != nil {
				s.t.Fatalf("RetryDeadLetter: %v", err)
			}
		}, true},
		{"completed", func(s *suite) {
			s.add("holder", hold)
			s.complete(s.dequeueOne(jobs.DefaultQueue, "holder"))
		}, false},
		{"failed", func(s *suite) { s.deadLetter("holder", hold) }, false},
		{"cancelled while pending", func(s *suite) {
			s.add("holder", hold)
			cancel(s, "holder")
		}, false},
		{"cancelled while scheduled", func(s *suite) {
			s.add("holder", hold, jobs.RunIn(time.Hour))
			cancel(s, "holder")
		}, false},
		{"cancelled while running", func(s *suite) {
			s.add("holder", hold)
			s.dequeueOne(jobs.DefaultQueue, "holder")
			cancel(s, "holder")
		}, false},
		{"deleted", func(s *suite) {
			s.add("holder", hold, jobs.RunIn(time.Hour))
			if err := s.b.Delete(s.ctx, "holder"); err != nil {
				s.t.Fatalf("Delete: %v", err)
			}
		}, false},
	}
	for _, c := range cases {
		s.each(c.name, func(s *suite) {
			c.setup(s)
			s.clock.Advance(time.Minute)
			if c.held {
				s.enqueueUnique("enqueue while the holder is "+c.name, s.newJob("dup", hold), "holder")
				return
			}
			s.enqueueUnique("enqueue after the holder was "+c.name, s.newJob("dup", hold), "")
			s.enqueueUnique("enqueue while the new holder is pending", s.newJob("third", hold), "dup")
		})
	}
}

func testUniqueTTL(s *suite) {
	const ttl = time.Hour
	hold := jobs.UniqueByKey("digest", ttl)
	cases := []struct {
		name   string
		finish func(s *suite, run jobs.Job) // ends the running job "holder"
		freed  bool                         // the key is free at once
	}{
		{"completed", func(s *suite, run jobs.Job) { s.complete(run) }, false},
		{"failed", func(s *suite, run jobs.Job) { s.fail(run) }, false},
		{"cancelled", func(s *suite, run jobs.Job) {
			if _, err := s.b.Cancel(s.ctx, run.ID); err != nil {
				s.t.Fatal(err)
			}
		}, false},
		{"deleted", func(s *suite, run jobs.Job) {
			s.fail(run)
			if err := s.b.Delete(s.ctx, run.ID); err != nil {
				s.t.Fatal(err)
			}
		}, true},
	}
	for _, c := range cases {
		s.each(c.name, func(s *suite) {
			s.add("holder", hold, jobs.WithMaxRetries(0))
			s.clock.Advance(time.Minute)
			c.finish(s, s.dequeueOne(jobs.DefaultQueue, "holder"))
			if !c.freed {
				s.enqueueUnique("enqueue just after the holder finished", s.newJob("early", hold), "holder")
				s.clock.Set(Start.Add(ttl - time.Nanosecond))
				s.enqueueUnique("enqueue just before the TTL passed", s.newJob("late", hold), "holder")
				s.clock.Set(Start.Add(ttl))
			}
			s.enqueueUnique("enqueue once the key is free", s.newJob("next", hold), "")
			s.enqueueUnique("enqueue while the next holder holds it", s.newJob("after", hold), "next")
		})
	}
}

func testUniqueTTLPending(s *suite) {
	hold := jobs.UniqueByKey("digest", time.Minute)
	s.add("slow", hold)
	s.clock.Advance(59 * time.Second)
	s.enqueueUnique("enqueue within the TTL", s.newJob("early", hold), "slow")
	s.clock.Advance(time.Second)
	s.enqueueUnique("enqueue after the TTL, the holder still pending", s.newJob("next", hold), "")
	s.expectSize(jobs.DefaultQueue, 2)
	s.enqueueUnique("enqueue while the next holder holds it", s.newJob("after", hold), "next")
}

func testUniqueBatch(s *suite) {
	key := func(k string) jobs.EnqueueOption { return jobs.UniqueByKey(k, 0) }
	s.add("holder", key("a"))
	s.expectHeld("batch with a held key",
		s.b.Enqueue(s.ctx, s.newJob("b1", key("b")), s.newJob("b2", key("a")), s.newJob("b3")),
		s.keyOf("a"), "holder")
	s.expectMissing("b1", "b2", "b3")
	s.expectHeld("batch with one key twice",
		s.b.Enqueue(s.ctx, s.newJob("c1"), s.newJob("c2", key("c")), s.newJob("c3", key("c"))),
		s.keyOf("c"), "c2")
	s.expectMissing("c1", "c2", "c3")
	s.expectSize(jobs.DefaultQueue, 1)

	// The refused batches took no key.
	s.enqueueUnique("enqueue of a refused batch's key", s.newJob("d1", key("b")), "")
	s.enqueueUnique("enqueue of a refused batch's twice-given key", s.newJob("d2", key("c")), "")

	s.enqueue(s.newJob("e1", key("e")), s.newJob("e2", key("f")), s.newJob("e3"))
	s.enqueueUnique("enqueue of a stored batch's key", s.newJob("e4", key("f")), "e2")
	s.expectSize(jobs.DefaultQueue, 6)
}

// Shape of testUniqueConcurrent.
const (
	uniqueRounds    = 20
	uniqueProducers = 8
)

// testUniqueConcurrent has producers enqueue the same unique job at once:
// exactly one creates it, every other one learns its ID.
func testUniqueConcurrent(s *suite) {
	for round := range uniqueRounds {
		args := fmt.Sprintf(`{"round":%d}`, round)
		batch := make([]jobs.Job, uniqueProducers)
		for p := range batch {
			batch[p] = s.typedJob(fmt.Sprintf("r%02d-p%d", round, p), "test.job", args, jobs.Unique(0))
		}
		errs := make([]error, uniqueProducers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for p := range batch {
			wg.Go(func() {
				<-start
				errs[p] = s.b.Enqueue(s.ctx, batch[p])
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for p, err := range errs {
			if err == nil {
				if winner >= 0 {
					s.t.Fatalf("round %d: both %s and %s were created", round, batch[winner].ID, batch[p].ID)
				}
				winner = p
			}
		}
		if winner < 0 {
			s.t.Fatalf("round %d: no producer created the job: %v", round, errs)
		}
		for p, err := range errs {
			if p != winner {
				s.expectHeld(fmt.Sprintf("round %d, producer %d", round, p), err, batch[p].UniqueKey, batch[winner].ID)
				s.expectMissing(batch[p].ID)
			}
		}
		s.expectSize(jobs.DefaultQueue, round+1)
	}
}
