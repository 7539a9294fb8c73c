package admin_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browsePeriodic checks the periodic page of the dashboard at url against
// what seedExtras stored, and follows its last-job and job-type links.
func browsePeriodic(t *testing.T, ctx context.Context, url string, seed extrasSeed, run func(*testing.T, ...chromedp.Action)) {
	const layout = "2006-01-02 15:04:05 MST"
	zoned := func(at time.Time, zone string) string {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		return at.In(loc).Format(layout)
	}
	cell := func(schedule, class string) string {
		t.Helper()
		var text string
		run(t, chromedp.Text(`tr[data-schedule="`+schedule+`"] td.`+class, &text, chromedp.ByQuery))
		return text
	}

	t.Run("periodic page shows each schedule's last tick, next run and last job", func(t *testing.T) {
		run(t, chromedp.Navigate(url+"periodic"), chromedp.WaitVisible("#schedules", chromedp.ByQuery))
		live, stale := seed.live, seed.stale
		want := []struct{ schedule, class, text string }{
			{live.Name, "spec", live.Spec},
			{live.Name, "zone", "Europe/Paris"},
			{live.Name, "type", live.JobType},
			{live.Name, "last", zoned(live.LastRun, live.TimeZone)},
			{live.Name, "job", live.LastJobID + " completed"},
			{stale.Name, "zone", "America/New_York"},
			{stale.Name, "last", zoned(stale.LastRun, stale.TimeZone)},
			{stale.Name, "next", zoned(stale.NextRun, stale.TimeZone) + " overdue: no process runs it"},
			{stale.Name, "job", stale.LastJobID + " no longer kept"},
		}
		for _, w := range want {
			if got := cell(w.schedule, w.class); got != w.text {
				t.Errorf("%s %s shows %q, want %q", w.schedule, w.class, got, w.text)
			}
		}
		next := cell(live.Name, "next")
		if !strings.HasPrefix(next, zoned(live.NextRun, live.TimeZone)+" in ") {
			t.Errorf("%s next shows %q, want %s in ...", live.Name, next, zoned(live.NextRun, live.TimeZone))
		}
		screenshot(t, ctx, "periodic")
	})

	t.Run("last job and job type links", func(t *testing.T) {
		var id, state, text, href string
		// Follow the links by their href: a click's navigation races the
		// next query for the page's nodes.
		run(t, chromedp.Evaluate(`document.querySelector('tr[data-schedule="`+seed.live.Name+`"] td.job a').href`, &href))
		run(t, chromedp.Navigate(href), chromedp.WaitVisible("#job", chromedp.ByQuery),
			chromedp.AttributeValue("#job", "data-job", &id, nil, chromedp.ByQuery),
			chromedp.Text("#state", &state, chromedp.ByQuery))
		if id != seed.live.LastJobID || state != "completed" {
			t.Fatalf("the last job link opened job %q, state %q; want %s, completed", id, state, seed.live.LastJobID)
		}
		run(t, chromedp.Evaluate(`document.getElementById("type-history").href`, &href))
		run(t, chromedp.Navigate(href), chromedp.WaitVisible("#history", chromedp.ByQuery),
			chromedp.Text(`#history tbody tr td.state`, &text, chromedp.ByQuery))
		if text != "completed" {
			t.Fatalf("the job type link's history shows state %q, want completed", text)
		}
	})
}

// browseHistory checks the history page of historyType against what
// seedExtras stored.
func browseHistory(t *testing.T, ctx context.Context, url string, seed extrasSeed, run func(*testing.T, ...chromedp.Action)) {
	t.Run("history picker offers the known job types", func(t *testing.T) {
		var types []string
		run(t, chromedp.Navigate(url+"history"), chromedp.WaitVisible(`input[name="type"]`, chromedp.ByQuery),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#known-types option"), o => o.value)`, &types))
		if want := []string{"cleanup.sessions", "email.send", "export.nightly", historyType}; !slices.Equal(types, want) {
			t.Errorf("picker offers %q, want %q", types, want)
		}
	})

	t.Run("history of a type lists its finished jobs, newest first", func(t *testing.T) {
		var ids, states, errs []string
		var completed, failed string
		var bold int
		run(t, chromedp.SendKeys(`input[name="type"]`, historyType, chromedp.ByQuery),
			chromedp.Submit(`input[name="type"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#history", chromedp.ByQuery),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#history tbody tr"), r => r.dataset.job)`, &ids),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#history td.state"), c => c.textContent)`, &states),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#history td.err"), c => c.textContent)`, &errs),
			chromedp.Evaluate(`document.querySelectorAll("#history td.err b").length`, &bold),
			chromedp.Text("#completed", &completed, chromedp.ByQuery),
			chromedp.Text("#failed", &failed, chromedp.ByQuery))
		if !slices.Equal(ids, seed.history) {
			t.Fatalf("history lists %q, want %q", ids, seed.history)
		}
		for i, id := range ids {
			wantState, wantErr := "completed", ""
			if seed.failed[id] {
				wantState, wantErr = "failed", historyError
			}
			if states[i] != wantState || errs[i] != wantErr {
				t.Errorf("%s: state %q, error %q; want %q, %q", id, states[i], errs[i], wantState, wantErr)
			}
		}
		if completed != "3" || failed != "2" || bold != 0 {
			t.Errorf("totals: completed %s, failed %s (want 3, 2); %d <b> elements in errors (want 0: text)", completed, failed, bold)
		}
		screenshot(t, ctx, "history")
	})

	t.Run("an invalid job type is refused", func(t *testing.T) {
		var text string
		run(t, chromedp.Navigate(url+"history?type=%20"), chromedp.Text(".error", &text, chromedp.ByQuery))
		if !strings.HasPrefix(text, "Invalid job type") {
			t.Fatalf("history of an invalid type says %q", text)
		}
	})
}
