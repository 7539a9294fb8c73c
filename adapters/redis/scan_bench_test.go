package redis

import (
	"fmt"
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// BenchmarkListJobsFiltered100k reads filtered pages of 100,000 pending
// jobs, one in 100 of type rare: a full page of 50 rare jobs (about 5,000
// jobs scanned) and a search that matches nothing (the default scan bound
// of 5,000 jobs).
func BenchmarkListJobsFiltered100k(b *testing.B) {
	const total = 100_000
	clock := backendtest.NewClock(backendtest.Start)
	be := newTestBackend(b, clock)
	ctx := b.Context()
	for i := 0; i < total; i += 1000 {
		batch := make([]jobs.Job, 1000)
		for j := range batch {
			n := i + j
			typ := "common"
			if n%100 == 0 {
				typ = "rare"
			}
			var err error
			batch[j], err = jobs.NewJob(typ, fmt.Appendf(nil, `{"to":"user%d@example.com"}`, n),
				jobs.ResolveEnqueueOptions(jobs.WithJobID(fmt.Sprintf("p%06d", n)), jobs.WithQueue("big")), clock.Now())
			must(b, err)
		}
		must(b, be.Enqueue(ctx, batch...))
	}
	cases := []struct {
		name    string
		q       jobs.JobQuery
		matches int
	}{
		{"type_page_of_50", jobs.JobQuery{Type: "rare", Limit: 50}, 50},
		{"search_no_match", jobs.JobQuery{Search: "nobody@", Limit: 50}, 0},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			c.q.Queue, c.q.State = "big", jobs.StatePending
			for b.Loop() {
				p, err := be.ListJobs(ctx, c.q)
				if err != nil || len(p.Jobs) != c.matches || p.NextCursor == "" {
					b.Fatalf("ListJobs: %d jobs, cursor %q, %v", len(p.Jobs), p.NextCursor, err)
				}
			}
		})
	}
}
