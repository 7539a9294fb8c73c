package admin_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/chromedp/chromedp"
)

// historyType is the job type whose history seedExtras stores; its failed
// jobs' error is historyError.
const (
	historyType  = "report.build"
	historyError = "boom <b>bold</b>"
)

// extrasSeed is what seedExtras stored.
type extrasSeed struct {
	// live has run its last job (completed); stale's next run is hours
	// past and its last job is not kept.
	live, stale jobs.ScheduleInfo
	// history are the IDs of historyType's finished jobs, newest first,
	// and whether each failed.
	history []string
	failed  map[string]bool
}

// seedExtras stores two periodic schedules' last ticks, the job of the
// first one (completed), and five finished jobs of historyType in queue
// builds, alternately completed and failed.
func seedExtras(t *testing.T, b jobs.Backend) extrasSeed {
	t.Helper()
	ctx := t.Context()
	last := time.Now().Truncate(time.Hour)
	s := extrasSeed{
		live: jobs.ScheduleInfo{Name: "hourly-cleanup", Spec: "@every 1h", TimeZone: "Europe/Paris", JobType: "cleanup.sessions",
			LastRun: last, LastJobID: fmt.Sprintf("periodic:hourly-cleanup:%d", last.Unix()), NextRun: last.Add(time.Hour)},
		stale: jobs.ScheduleInfo{Name: "nightly-export", Spec: "0 3 * * *", TimeZone: "America/New_York", JobType: "export.nightly",
			LastRun: last.Add(-27 * time.Hour), LastJobID: "periodic:nightly-export:1", NextRun: last.Add(-3 * time.Hour)},
		failed: map[string]bool{},
	}
	for _, in := range []jobs.ScheduleInfo{s.live, s.stale} {
		if won, err := b.ClaimTick(ctx, in); err != nil || !won {
			t.Fatalf("ClaimTick(%s) = %v, %v", in.Name, won, err)
		}
	}
	finish(t, b, s.live.LastJobID, s.live.JobType, "maintenance", false)
	for i := range 5 {
		id := fmt.Sprintf("rb-%d", i)
		finish(t, b, id, historyType, "builds", i%2 == 1)
		s.history = append([]string{id}, s.history...)
		s.failed[id] = i%2 == 1
	}
	return s
}

// finish enqueues job id of jobType on queue, takes it and completes it,
// or fails it with historyError for good.
func finish(t *testing.T, b jobs.Backend, id, jobType, queue string, fail bool) {
	t.Helper()
	ctx := t.Context()
	j, err := jobs.NewJob(jobType, []byte(`{"n":1}`), jobs.ResolveEnqueueOptions(jobs.WithJobID(id), jobs.WithQueue(queue), jobs.WithMaxRetries(0)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Enqueue(ctx, j); err != nil {
		t.Fatal(err)
	}
	taken, err := b.Dequeue(ctx, queue, 1, time.Minute)
	if err != nil || len(taken) != 1 {
		t.Fatalf("Dequeue(%s) = %v, %v", queue, taken, err)
	}
	time.Sleep(2 * time.Millisecond) // a run time the page shows
	if fail {
		j, err = taken[0].Fail(jobs.JobError{Message: historyError, Type: "error"}, time.Now())
	} else {
		j, err = taken[0].Complete([]byte(`{"ok":true}`), time.Now())
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Ack(ctx, j); err != nil {
		t.Fatal(err)
	}
}

// TestDashboardExtrasInBrowser drives the periodic, history and live
// refresh parts of the dashboard in headless chromium on the memory and
// the Redis backend, and checks the layout at phone width, with the
// keyboard and in dark mode.
func TestDashboardExtrasInBrowser(t *testing.T) {
	ctx, dialogs := browser(t)
	run := runner(ctx)
	for _, bk := range browserBackends {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.new(t)
			seedDashboard(t, b)
			seed := seedExtras(t, b)
			url := dashboardServer(t, b)
			run(t, login(url, browserToken), chromedp.WaitVisible("#queues", chromedp.ByQuery))
			browsePeriodic(t, ctx, url, seed, run)
			browseHistory(t, ctx, url, seed, run)
			browseLive(t, url, b, run)
			if bk.name == "memory" {
				browseLayout(t, ctx, url, run)
			}
		})
	}
	if d := dialogs(); len(d) != 0 {
		t.Fatalf("pages opened dialogs: %q", d)
	}
}
