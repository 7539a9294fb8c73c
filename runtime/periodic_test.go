package runtime

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests must not depend on the machine's zone files

	"github.com/jobsgo/jobs"
)

// tickStore is a Backend that only stores enqueued jobs and tick claims,
// enough for the periodic runner; other methods are not called.
type tickStore struct {
	jobs.Backend
	mu     sync.Mutex
	jobs   map[string]jobs.Job
	claims map[string]jobs.ScheduleInfo
}

func newTickStore() *tickStore {
	return &tickStore{jobs: map[string]jobs.Job{}, claims: map[string]jobs.ScheduleInfo{}}
}

func (s *tickStore) Enqueue(ctx context.Context, batch ...jobs.Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range batch {
		if _, ok := s.jobs[j.ID]; ok {
			return jobs.ErrDuplicateJob
		}
		s.jobs[j.ID] = j
	}
	return nil
}

func (s *tickStore) ClaimTick(ctx context.Context, info jobs.ScheduleInfo) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.claims[info.Name]; ok && !prev.LastRun.Before(info.LastRun) {
		return false, nil
	}
	s.claims[info.Name] = info
	return true, nil
}

func (s *tickStore) Schedules(ctx context.Context) ([]jobs.ScheduleInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []jobs.ScheduleInfo
	for _, in := range s.claims {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *tickStore) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id := range s.jobs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestScheduleTicks(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 24, 12, 34, 56, 0, time.UTC)
	tests := []struct {
		spec string
		loc  *time.Location
		want []string // the next ticks after from, RFC 3339 in UTC
	}{
		{"@every 1s", nil, []string{"2026-11-24T12:34:57Z", "2026-11-24T12:34:58Z"}},
		{"@every 5m", nil, []string{"2026-11-24T12:35:00Z", "2026-11-24T12:40:00Z"}},
		{"@hourly", nil, []string{"2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z"}},
		{"@daily", nil, []string{"2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"}},
		{"*/15 * * * *", nil, []string{"2026-11-24T12:45:00Z", "2026-11-24T13:00:00Z"}},
		{"30 * * * * *", nil, []string{"2026-11-24T12:35:30Z", "2026-11-24T12:36:30Z"}},
		{"0 9 * * 1-5", paris, []string{"2026-11-25T08:00:00Z", "2026-11-26T08:00:00Z"}},
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", nil, []string{"2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := parseSchedule(Schedule{Name: "s", Spec: tt.spec, Location: tt.loc, JobType: "j"})
			if err != nil {
				t.Fatal(err)
			}
			at := from
			for _, want := range tt.want {
				at = s.next(at)
				if got := at.UTC().Format(time.RFC3339); got != want {
					t.Fatalf("tick %s, want %s", got, want)
				}
			}
		})
	}
}

func TestParseScheduleErrors(t *testing.T) {
	tests := []struct {
		s    Schedule
		want string
	}{
		{Schedule{Name: "", Spec: "@daily", JobType: "j"}, `schedule "": name must be 1 to 100 printable bytes without white space`},
		{Schedule{Name: strings.Repeat("n", 101), Spec: "@daily", JobType: "j"}, "name must be 1 to 100"},
		{Schedule{Name: "n", Spec: "@daily", JobType: ""}, "schedule n: invalid job: job type is empty"},
		{Schedule{Name: "n", Spec: "61 * * * *", JobType: "j"}, `schedule n: spec "61 * * * *": end of range (61) above maximum (59): 61`},
		{Schedule{Name: "n", Spec: "@fortnightly", JobType: "j"}, `schedule n: spec "@fortnightly": unrecognized descriptor: @fortnightly`},
		{Schedule{Name: "n", Spec: "@daily", JobType: "j", Args: json.RawMessage(`{`)}, "schedule n: args are not valid JSON"},
	}
	for _, tt := range tests {
		_, err := parseSchedule(tt.s)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.s, err, tt.want)
		}
	}
}

func TestPeriodicOneJobPerTickAcrossRunners(t *testing.T) {
	store := newTickStore()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var runners []*Periodic
	for i := 0; i < 3; i++ {
		p, err := NewPeriodic(NewClient(store, WithClientClock(fixedClock{now})),
			[]Schedule{{Name: "report", Spec: "@every 1s", JobType: "report", Args: json.RawMessage(`{"k":1}`)}}, discard())
		if err != nil {
			t.Fatal(err)
		}
		runners = append(runners, p)
	}
	var wg sync.WaitGroup
	for tick := 0; tick < 10; tick++ {
		at := now.Add(time.Duration(tick) * time.Second)
		for _, p := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.fire(context.Background(), p.schedules[0], at)
			}()
		}
		wg.Wait()
	}
	ids := store.ids()
	if len(ids) != 10 {
		t.Fatalf("%d jobs for 10 ticks of 3 runners: %v", len(ids), ids)
	}
	if ids[0] != "periodic:report:1795521600" {
		t.Fatalf("first job ID %s", ids[0])
	}
	infos, _ := store.Schedules(context.Background())
	want := jobs.ScheduleInfo{Name: "report", Spec: "@every 1s", TimeZone: "UTC", JobType: "report",
		LastRun: now.Add(9 * time.Second), LastJobID: "periodic:report:1795521609", NextRun: now.Add(10 * time.Second)}
	if len(infos) != 1 || infos[0] != want {
		t.Fatalf("schedules %+v, want [%+v]", infos, want)
	}
}

func TestPeriodicMissedTicks(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 30, 0, time.UTC)
	tests := []struct {
		name    string
		missed  MissedTicks
		lastRun time.Time // zero: the schedule never ran
		wantIDs int
	}{
		{"skip forgets missed ticks", SkipMissed, now.Add(-10 * time.Minute), 0},
		{"run once catches up one job", RunMissedOnce, now.Add(-10 * time.Minute), 1},
		{"nothing missed", RunMissedOnce, now.Add(-20 * time.Second), 0},
		{"never ran: nothing to catch up", RunMissedOnce, time.Time{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newTickStore()
			if !tt.lastRun.IsZero() {
				store.claims["sync"] = jobs.ScheduleInfo{Name: "sync", LastRun: tt.lastRun}
			}
			p, err := NewPeriodic(NewClient(store, WithClientClock(fixedClock{now})),
				[]Schedule{{Name: "sync", Spec: "* * * * *", JobType: "sync", Missed: tt.missed}}, discard())
			if err != nil {
				t.Fatal(err)
			}
			next := p.start(context.Background(), now)
			if len(store.ids()) != tt.wantIDs {
				t.Fatalf("jobs %v, want %d", store.ids(), tt.wantIDs)
			}
			if want := time.Date(2026, 11, 24, 12, 1, 0, 0, time.UTC); !next[0].Equal(want) {
				t.Fatalf("next tick %s, want %s", next[0], want)
			}
		})
	}
}

func TestNewPeriodicRejectsDuplicateNames(t *testing.T) {
	s := Schedule{Name: "a", Spec: "@daily", JobType: "j"}
	if _, err := NewPeriodic(NewClient(newTickStore()), []Schedule{s, s}, discard()); err == nil || err.Error() != `periodic: schedule name "a" is used twice` {
		t.Fatalf("err = %v", err)
	}
}
