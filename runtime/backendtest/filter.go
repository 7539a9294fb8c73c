package backendtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/jobsgo/jobs"
)

// filterTests cover ListJobs with Type, Search and ScanLimit.
var filterTests = []test{
	{"ByTypeAndSearch", testListFiltered},
	{"ScanLimit", testListScanLimit},
	{"SearchErrorMessage", testListSearchError},
}

// addArgs enqueues a pending job of jobType in queue q with args.
func (s *suite) addArgs(id, jobType, args string) {
	s.t.Helper()
	o := jobs.ResolveEnqueueOptions(jobs.WithJobID(id), jobs.WithQueue("q"))
	j, err := jobs.NewJob(jobType, []byte(args), o, s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	s.enqueue(j)
}

// scanPages pages through q's matches and returns the IDs of each page
// and the jobs each call examined.
func (s *suite) scanPages(q jobs.JobQuery) (pages [][]string, scanned []int) {
	s.t.Helper()
	for {
		p := s.list(q)
		for _, j := range p.Jobs {
			if !q.Matches(j) {
				s.t.Fatalf("ListJobs(%+v) returned job %s of type %s, which does not match", q, j.ID, j.Type)
			}
		}
		pages, scanned = append(pages, ids(p.Jobs)), append(scanned, p.Scanned)
		if p.NextCursor == "" {
			return pages, scanned
		}
		if len(pages) > 50 {
			s.t.Fatalf("ListJobs(%+v): more than 50 pages; the cursor does not advance", q)
		}
		q.Cursor = p.NextCursor
	}
}

func testListFiltered(s *suite) {
	// In take order: m0 s1 m2 s3 m4 s5 m6 s7.
	for i := range 8 {
		typ, args := "mail", fmt.Sprintf(`{"to":"User%d@Example.com"}`, i)
		if i%2 == 1 {
			typ, args = "sms", fmt.Sprintf(`{"phone":"+41 %d"}`, i)
		}
		s.addArgs(fmt.Sprintf("%c%d", typ[0], i), typ, args)
	}
	s.add("other-queue", jobs.WithQueue("other"))
	s.add("later", jobs.WithQueue("q"), jobs.RunIn(time.Hour))
	cases := []struct {
		name    string
		q       jobs.JobQuery
		want    [][]string
		scanned []int
	}{
		{"type", jobs.JobQuery{Type: "sms", Limit: 3}, [][]string{{"s1", "s3", "s5"}, {"s7"}}, []int{6, 2}},
		// A full page does not look ahead: s7, after m6, is scanned next time.
		{"type, full pages", jobs.JobQuery{Type: "mail", Limit: 2}, [][]string{{"m0", "m2"}, {"m4", "m6"}, {}}, []int{3, 4, 1}},
		{"args, any case", jobs.JobQuery{Search: "example.COM", Limit: 10}, [][]string{{"m0", "m2", "m4", "m6"}}, []int{8}},
		{"args substring", jobs.JobQuery{Search: "user4@", Limit: 10}, [][]string{{"m4"}}, []int{8}},
		{"ID", jobs.JobQuery{Search: "S5", Limit: 10}, [][]string{{"s5"}}, []int{8}},
		{"type and search", jobs.JobQuery{Type: "sms", Search: "+41", Limit: 10}, [][]string{{"s1", "s3", "s5", "s7"}}, []int{8}},
		{"no match", jobs.JobQuery{Search: "nobody", Limit: 10}, [][]string{{}}, []int{8}},
		{"unknown type", jobs.JobQuery{Type: "fax"}, [][]string{{}}, []int{8}},
	}
	for _, c := range cases {
		c.q.Queue, c.q.State = "q", jobs.StatePending
		pages, scanned := s.scanPages(c.q)
		if !slices.EqualFunc(pages, c.want, slices.Equal) || !slices.Equal(scanned, c.scanned) {
			s.t.Errorf("%s: pages %v scanning %v, want %v scanning %v", c.name, pages, scanned, c.want, c.scanned)
		}
	}
	// The unfiltered listing reports nothing scanned.
	if p := s.list(jobs.JobQuery{Queue: "q", State: jobs.StatePending}); p.Scanned != 0 || len(p.Jobs) != 8 {
		s.t.Fatalf("unfiltered page: %d jobs, scanned %d; want 8, 0", len(p.Jobs), p.Scanned)
	}
}

func testListScanLimit(s *suite) {
	// Failed jobs are listed newest first: d9 ... d0; every third is a sms.
	for i := range 10 {
		typ := "mail"
		if i%3 == 0 {
			typ = "sms"
		}
		s.addTyped(fmt.Sprintf("d%d", i), typ, jobs.WithQueue("q"), jobs.WithMaxRetries(0))
		s.fail(s.dequeueOne("q", fmt.Sprintf("d%d", i)))
		s.clock.Advance(time.Second)
	}
	q := jobs.JobQuery{Queue: "q", State: jobs.StateFailed, Type: "sms", Limit: 10, ScanLimit: 4}
	pages, scanned := s.scanPages(q)
	want := [][]string{{"d9", "d6"}, {"d3"}, {"d0"}}
	if !slices.EqualFunc(pages, want, slices.Equal) || !slices.Equal(scanned, []int{4, 4, 2}) {
		s.t.Fatalf("sms dead letters scanning 4 at a time: pages %v scanning %v; want %v scanning [4 4 2]", pages, scanned, want)
	}
	// A scan that finds nothing within its bound still moves on.
	q = jobs.JobQuery{Queue: "q", State: jobs.StateFailed, Search: "d0", ScanLimit: 3}
	pages, _ = s.scanPages(q)
	if !slices.EqualFunc(pages, [][]string{{}, {}, {}, {"d0"}}, slices.Equal) {
		s.t.Fatalf("search d0 scanning 3 at a time: pages %v; want three empty pages, then d0", pages)
	}
}

func testListSearchError(s *suite) {
	for _, id := range []string{"a", "b", "c"} {
		s.deadLetter(id, jobs.WithQueue("q")) // error "boom <id>"
		s.clock.Advance(time.Second)
	}
	p := s.list(jobs.JobQuery{Queue: "q", State: jobs.StateFailed, Search: "BOOM B"})
	s.expectIDs("failed jobs whose error says boom b", p.Jobs, "b")
	p = s.list(jobs.JobQuery{Queue: "q", State: jobs.StateFailed, Search: "boom"})
	s.expectIDs("failed jobs whose error says boom", p.Jobs, "c", "b", "a")
}
