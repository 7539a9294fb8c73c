package backendtest

import (
	"fmt"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

var periodicTests = []test{
	{"ClaimTickOrder", testClaimTick},
	{"SchedulesLatestByName", testSchedules},
	{"ConcurrentClaims", testClaimConcurrent},
}

// tick0 is a whole hour after Start, the first tick of the tests' schedules.
var tick0 = Start.Truncate(time.Hour).Add(time.Hour)

// tickInfo is what a process claiming tick of schedule name stores.
func tickInfo(name string, tick time.Time, jobID string) jobs.ScheduleInfo {
	return jobs.ScheduleInfo{
		Name: name, Spec: "0 * * * *", TimeZone: "UTC", JobType: "test.job",
		LastRun: tick, LastJobID: jobID, NextRun: tick.Add(time.Hour),
	}
}

// claim claims a tick.
func (s *suite) claim(info jobs.ScheduleInfo) bool {
	s.t.Helper()
	won, err := s.b.ClaimTick(s.ctx, info)
	if err != nil {
		s.t.Fatalf("ClaimTick(%s at %s): %v", info.Name, info.LastRun, err)
	}
	return won
}

// expectSchedules checks what Schedules returns, in order; times compare
// with Equal.
func (s *suite) expectSchedules(what string, want ...jobs.ScheduleInfo) {
	s.t.Helper()
	got, err := s.b.Schedules(s.ctx)
	if err != nil {
		s.t.Fatalf("%s: Schedules: %v", what, err)
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		g, w := got[i], want[i]
		same = g.Name == w.Name && g.Spec == w.Spec && g.TimeZone == w.TimeZone && g.JobType == w.JobType &&
			g.LastJobID == w.LastJobID && g.LastRun.Equal(w.LastRun) && g.NextRun.Equal(w.NextRun)
	}
	if !same {
		s.t.Fatalf("%s: Schedules =\n\t%+v\nwant\n\t%+v", what, got, want)
	}
}

func testClaimTick(s *suite) {
	s.expectSchedules("no claim yet")
	elsewhere := time.FixedZone("UTC+9", 9*60*60)
	steps := []struct {
		name string
		tick time.Time
		won  bool
	}{
		{"first claim", tick0, true},
		{"same tick", tick0, false},
		{"same tick in another zone", tick0.In(elsewhere), false},
		{"earlier tick", tick0.Add(-time.Hour), false},
		{"later tick", tick0.Add(time.Hour), true},
		{"the tick before again", tick0, false},
		{"a nanosecond later", tick0.Add(time.Hour + time.Nanosecond), true},
		{"a tick much later", tick0.Add(5 * time.Hour), true},
	}
	var last jobs.ScheduleInfo
	for i, st := range steps {
		info := tickInfo("hourly", st.tick, fmt.Sprintf("job-%d", i))
		if won := s.claim(info); won != st.won {
			s.t.Fatalf("%s: ClaimTick = %t, want %t", st.name, won, st.won)
		}
		if st.won {
			last = info
		}
		s.expectSchedules("after "+st.name, last)
	}
}

func testSchedules(s *suite) {
	claims := []struct {
		name string
		tick time.Time
		won  bool
	}{
		{"b", tick0, true},
		{"a", tick0, true},
		{"c", tick0.Add(time.Hour), true},
		{"a", tick0.Add(2 * time.Hour), true},
		{"b", tick0.Add(-time.Hour), false},
		{"a", tick0.Add(time.Hour), false},
		{"c", tick0, false},
	}
	for i, c := range claims {
		if won := s.claim(tickInfo(c.name, c.tick, fmt.Sprintf("job-%d", i))); won != c.won {
			s.t.Fatalf("claim %d (%s at %s) = %t, want %t", i, c.name, c.tick, won, c.won)
		}
	}
	s.expectSchedules("three schedules",
		tickInfo("a", tick0.Add(2*time.Hour), "job-3"),
		tickInfo("b", tick0, "job-0"),
		tickInfo("c", tick0.Add(time.Hour), "job-2"))
}

// claimers is how many goroutines claim at once in testClaimConcurrent.
const claimers = 8

// testClaimConcurrent has claimers race for each of several ticks (exactly
// one wins each), then for distinct ticks (the latest is stored).
func testClaimConcurrent(s *suite) {
	race := func(infos []jobs.ScheduleInfo) []bool {
		won := make([]bool, len(infos))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range infos {
			wg.Go(func() {
				<-start
				won[i] = s.claim(infos[i])
			})
		}
		close(start)
		wg.Wait()
		return won
	}
	var hourly jobs.ScheduleInfo // the last round's winner
	for round := range 20 {
		tick := tick0.Add(time.Duration(round) * time.Hour)
		infos := make([]jobs.ScheduleInfo, claimers)
		for i := range infos {
			infos[i] = tickInfo("hourly", tick, fmt.Sprintf("round-%d-claimer-%d", round, i))
		}
		winner := -1
		for i, w := range race(infos) {
			if w && winner >= 0 {
				s.t.Fatalf("round %d: claimers %d and %d both won tick %s", round, winner, i, tick)
			}
			if w {
				winner = i
			}
		}
		if winner < 0 {
			s.t.Fatalf("round %d: no claimer won tick %s", round, tick)
		}
		hourly = infos[winner]
		s.expectSchedules(fmt.Sprintf("round %d", round), hourly)
	}

	// Distinct ticks at once, the latest last in the slice: whatever the
	// order they land in, the latest wins and stays.
	infos := make([]jobs.ScheduleInfo, claimers)
	for i := range infos {
		infos[i] = tickInfo("daily", tick0.Add(time.Duration(i)*24*time.Hour), fmt.Sprintf("day-%d", i))
	}
	if won := race(infos); !won[claimers-1] {
		s.t.Fatalf("the latest tick was not claimed: %v", won)
	}
	s.expectSchedules("after distinct ticks at once", infos[claimers-1], hourly)
}
