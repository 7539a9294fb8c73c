package admin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/chromedp/chromedp"

	"github.com/jobsgo/jobs/admin"
)

// stepTimeout bounds each step of a browser test.
const stepTimeout = 20 * time.Second

// TestDashboardInBrowser drives the dashboard, mounted under /ops/, in
// headless chromium (one browser for every step) on the memory and the
// Redis backend.
func TestDashboardInBrowser(t *testing.T) {
	ctx, dialogs := browser(t)
	for _, bk := range browserBackends {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.new(t)
			seedDashboard(t, b)
			browseDashboard(t, ctx, dialogs, b)
		})
	}
}

// browseDashboard is the browser test's walk through the dashboard of b,
// seeded by seedDashboard.
func browseDashboard(t *testing.T, ctx context.Context, dialogs func() []string, b jobs.Backend) {
	url := dashboardServer(t, b)
	run := runner(ctx)
	var text, loc string

	t.Run("login", func(t *testing.T) {
		run(t, chromedp.Navigate(url), chromedp.WaitVisible("#token", chromedp.ByQuery), chromedp.Location(&loc))
		if loc != url+"login" {
			t.Fatalf("unauthenticated overview went to %s, want %slogin", loc, url)
		}
		run(t, login(url, "wrong"), chromedp.Text(".error", &text, chromedp.ByQuery))
		if text != "Wrong token" {
			t.Fatalf("wrong token: page says %q", text)
		}
		run(t, login(url, browserToken), chromedp.WaitVisible("#queues", chromedp.ByQuery), chromedp.Location(&loc))
		if loc != url {
			t.Fatalf("after login at %s, want %s", loc, url)
		}
	})

	t.Run("overview shows the backend's counts", func(t *testing.T) {
		want := map[string]string{"pending": "3", "scheduled": "1", "running": "1", "dead": "0"}
		for state, n := range want {
			run(t, chromedp.Text(`tr[data-queue="emails"] td[data-state="`+state+`"]`, &text, chromedp.ByQuery))
			if text != n {
				t.Errorf("emails %s shows %q, want %s", state, text, n)
			}
		}
		run(t, chromedp.Text(`tr[data-queue="reports"] td[data-state="dead"]`, &text, chromedp.ByQuery))
		if text != "2" {
			t.Errorf("reports dead shows %q, want 2", text)
		}
		screenshot(t, ctx, "overview")
	})

	t.Run("pause a queue", func(t *testing.T) {
		run(t, chromedp.Click(`tr[data-queue="emails"] button.action`, chromedp.ByQuery),
			chromedp.WaitVisible(`tr[data-queue="emails"] .paused`, chromedp.ByQuery),
			chromedp.Text(`tr[data-queue="emails"] button.action`, &text, chromedp.ByQuery))
		if text != "Resume" {
			t.Errorf("paused queue's button says %q, want Resume", text)
		}
		if !queuePaused(t, b, "emails") {
			t.Fatal("the backend's emails queue is not paused after the Pause button")
		}
	})

	t.Run("dead letters show the XSS payload as text", func(t *testing.T) {
		var imgs, scripts int
		run(t, chromedp.Navigate(url+"dead"), chromedp.WaitVisible(`tr[data-job="x-xss"]`, chromedp.ByQuery),
			chromedp.Text(`tr[data-job="x-xss"] td.err`, &text, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll("main img").length`, &imgs),
			chromedp.Evaluate(`document.querySelectorAll("main script").length`, &scripts))
		if text != xss || imgs != 0 || scripts != 0 {
			t.Fatalf("error cell %q (want the payload as text), %d img, %d script elements in main", text, imgs, scripts)
		}
		var args string
		run(t, chromedp.Text(`tr[data-job="x-xss"] code.args`, &args, chromedp.ByQuery))
		if want := `{"name":` + jsonString(xss) + `}`; args != want {
			t.Fatalf("args cell %q, want %q", args, want)
		}
		screenshot(t, ctx, "dead-letters")
	})

	t.Run("retry a dead letter", func(t *testing.T) {
		run(t, chromedp.Click(`tr[data-job="r-dead-1"] form[action="retry"] button`, chromedp.ByQuery),
			chromedp.WaitNotPresent(`tr[data-job="r-dead-1"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`tr[data-job="x-xss"]`, chromedp.ByQuery))
		if j, err := b.Job(t.Context(), "r-dead-1"); err != nil || j.State != jobs.StatePending {
			t.Fatalf("r-dead-1 after Retry: %v, %v; want pending", j.State, err)
		}
	})

	browseJobAndWorkers(t, ctx, url, b, run)

	t.Run("no script ran", func(t *testing.T) {
		// Only the confirmations of app.js may open: no payload's alert.
		for _, d := range dialogs() {
			if !strings.HasPrefix(d, "confirm: ") {
				t.Fatalf("a page opened the dialog %q", d)
			}
		}
	})

	t.Run("logout", func(t *testing.T) {
		run(t, chromedp.Click("#logout", chromedp.ByQuery), chromedp.WaitVisible("#token", chromedp.ByQuery),
			chromedp.Navigate(url), chromedp.WaitVisible("#token", chromedp.ByQuery), chromedp.Location(&loc))
		if !strings.HasSuffix(loc, "/login") {
			t.Fatalf("overview after logout at %s, want the login page", loc)
		}
	})

	t.Run("read-only shows no buttons", func(t *testing.T) {
		ro := dashboardServer(t, b, admin.WithReadOnly())
		var buttons int
		run(t, login(ro, browserToken), chromedp.WaitVisible("main table", chromedp.ByQuery))
		for _, p := range []string{"", "dead", "workers", "job/x-xss", "job/r-dead-1"} {
			run(t, chromedp.Navigate(ro+p),
				chromedp.WaitVisible("main h1", chromedp.ByQuery),
				chromedp.Evaluate(`document.querySelectorAll("main button.action, main form[method=post]").length`, &buttons))
			if buttons != 0 {
				t.Errorf("read-only page %q has %d buttons or action forms", p, buttons)
			}
		}
	})
}

// queuePaused reports the backend's paused flag of queue.
func queuePaused(t *testing.T, b jobs.Backend, queue string) bool {
	t.Helper()
	s, err := b.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range s.Queues {
		if q.Name == queue {
			return q.Paused
		}
	}
	t.Fatalf("no queue %s in %v", queue, s.Queues)
	return false
}
