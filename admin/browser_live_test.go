package admin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/jobsgo/jobs/runtime"
)

// liveCell is the overview's pending count of queue "live".
const liveCell = `tr[data-queue="live"] td[data-state="pending"]`

// browseLive checks the live refresh of the overview at url on b: a job
// enqueued after the page loaded shows up without a reload at the picked
// interval, pausing stops it, and the interval is remembered.
func browseLive(t *testing.T, url string, b jobs.Backend, run func(*testing.T, ...chromedp.Action)) {
	client := runtime.NewClient(b)
	enqueue := func(t *testing.T) {
		t.Helper()
		if _, err := client.Enqueue(t.Context(), "live.job", nil, jobs.WithQueue("live")); err != nil {
			t.Fatal(err)
		}
	}
	pending := func(t *testing.T) string {
		t.Helper()
		var n string
		run(t, chromedp.Evaluate(`document.querySelector('`+liveCell+`')?.textContent ?? "none"`, &n))
		return n
	}
	marker := func(t *testing.T) bool {
		t.Helper()
		var same bool
		run(t, chromedp.Evaluate(`window.liveMarker === 7`, &same))
		return same
	}

	t.Run("live pages have the refresh control, the job page not", func(t *testing.T) {
		for _, p := range []string{"", "dead", "workers", "periodic", "history", "job/r-dead-1"} {
			var n int
			run(t, chromedp.Navigate(url+p), chromedp.WaitVisible("main h1", chromedp.ByQuery),
				chromedp.Evaluate(`document.querySelectorAll("#refresh-interval").length`, &n))
			if want := map[bool]int{true: 0, false: 1}[strings.HasPrefix(p, "job/")]; n != want {
				t.Errorf("page %q has %d refresh pickers, want %d", p, n, want)
			}
		}
	})

	t.Run("a job enqueued after load shows up without a reload", func(t *testing.T) {
		var value string
		run(t, chromedp.Navigate(url), chromedp.WaitVisible("#refresh-interval", chromedp.ByQuery),
			chromedp.Evaluate(`window.liveMarker = 7`, nil),
			chromedp.Value("#refresh-interval", &value, chromedp.ByQuery))
		if value != "0" {
			t.Fatalf("the refresh starts at %q, want 0 (off)", value)
		}
		// Pick 2 s with the keyboard, as a visitor without a mouse would.
		run(t, chromedp.Focus("#refresh-interval", chromedp.ByQuery), chromedp.KeyEvent(kb.ArrowDown),
			chromedp.Value("#refresh-interval", &value, chromedp.ByQuery))
		if value != "2000" {
			t.Fatalf("after ArrowDown the picker says %q, want 2000", value)
		}
		if n := pending(t); n != "none" {
			t.Fatalf("queue live is on the overview before any job: %s", n)
		}
		enqueue(t)
		start := time.Now()
		run(t, chromedp.Poll(`document.querySelector('`+liveCell+`')?.textContent === "1"`, nil,
			chromedp.WithPollingTimeout(10*time.Second)))
		t.Logf("the job showed up %v after it was enqueued (interval 2 s)", time.Since(start).Round(10*time.Millisecond))
		if !marker(t) {
			t.Fatal("the page was reloaded")
		}
	})

	t.Run("pause stops the refresh", func(t *testing.T) {
		var pressed string
		run(t, chromedp.Click("#refresh-pause", chromedp.ByQuery),
			chromedp.AttributeValue("#refresh-pause", "aria-pressed", &pressed, nil, chromedp.ByQuery))
		if pressed != "true" {
			t.Fatalf("pause button aria-pressed %q after a press", pressed)
		}
		enqueue(t)
		time.Sleep(5 * time.Second) // two and a half intervals
		if n := pending(t); n != "1" {
			t.Fatalf("while paused the overview changed: live pending %s, want 1", n)
		}
		run(t, chromedp.Focus("#refresh-pause", chromedp.ByQuery), chromedp.KeyEvent(kb.Enter),
			chromedp.Poll(`document.querySelector('`+liveCell+`')?.textContent === "2"`, nil,
				chromedp.WithPollingTimeout(10*time.Second)))
		if !marker(t) {
			t.Fatal("the page was reloaded")
		}
	})

	t.Run("the interval is remembered", func(t *testing.T) {
		var value string
		run(t, chromedp.Navigate(url+"dead"), chromedp.WaitVisible("#refresh-interval", chromedp.ByQuery),
			chromedp.Value("#refresh-interval", &value, chromedp.ByQuery))
		if value != "2000" {
			t.Fatalf("on the next page the picker says %q, want 2000", value)
		}
		// Off again, so that later steps see pages that hold still.
		run(t, chromedp.Evaluate(`(() => { const s = document.getElementById("refresh-interval"); s.value = "0"; s.dispatchEvent(new Event("change")); })()`, nil))
	})
}

// focusables marks the page's visible links and enabled controls with
// data-kbd (their index) and returns how many there are.
const focusables = `(() => {
  const els = Array.from(document.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])'))
    .filter(e => e.getClientRects().length > 0);
  els.forEach((e, i) => e.dataset.kbd = i);
  return els.length;
})()`

// focused describes the focused element: its data-kbd index (-1 for none)
// and whether it shows a focus ring (an outline or a box shadow).
const focused = `(() => {
  const e = document.activeElement;
  if (!e || e.dataset.kbd === undefined) return {index: -1, ring: false};
  const s = getComputedStyle(e);
  return {index: Number(e.dataset.kbd), ring: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== "none"};
})()`

// browseLayout checks the dashboard at url at phone width (no horizontal
// scroll), with the keyboard (every link and control reached by Tab, with
// a visible focus ring) and in dark mode, and takes their screenshots.
func browseLayout(t *testing.T, ctx context.Context, url string, run func(*testing.T, ...chromedp.Action)) {
	pages := []string{"", "dead", "workers", "periodic", "history?type=" + historyType, "job/x-xss"}

	t.Run("every action is reached by Tab with a visible focus ring", func(t *testing.T) {
		for _, p := range pages {
			var n int
			run(t, chromedp.Navigate(url+p), chromedp.WaitVisible("main h1", chromedp.ByQuery),
				chromedp.Evaluate(focusables, &n), chromedp.Evaluate(`document.activeElement.blur()`, nil))
			reached := map[int]bool{}
			for range 2*n + 5 {
				var f struct {
					Index int  `json:"index"`
					Ring  bool `json:"ring"`
				}
				run(t, chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(focused, &f))
				if f.Index >= 0 {
					reached[f.Index] = true
					if !f.Ring {
						var what string
						run(t, chromedp.Evaluate(`document.activeElement.outerHTML.slice(0, 120)`, &what))
						t.Errorf("page %q: %s has no visible focus ring", p, what)
					}
				}
				if len(reached) == n {
					break
				}
			}
			if len(reached) != n {
				var missed []string
				run(t, chromedp.Evaluate(fmt.Sprintf(`Array.from(document.querySelectorAll("[data-kbd]")).filter(e => !%s.includes(Number(e.dataset.kbd))).map(e => e.outerHTML.slice(0, 100))`, jsIndexes(reached)), &missed))
				t.Errorf("page %q: Tab reached %d of %d links and controls; missed %q", p, len(reached), n, missed)
			}
		}
	})

	t.Run("no horizontal scroll at phone width", func(t *testing.T) {
		run(t, emulation.SetDeviceMetricsOverride(375, 812, 2, true))
		defer run(t, emulation.ClearDeviceMetricsOverride())
		for _, p := range pages {
			var widths []int
			run(t, chromedp.Navigate(url+p), chromedp.WaitVisible("main h1", chromedp.ByQuery),
				chromedp.Evaluate(`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`, &widths))
			if len(widths) != 2 || widths[1] != 375 || widths[0] > widths[1] {
				t.Errorf("page %q at phone width: scroll width %v, want at most the 375 px viewport", p, widths)
			}
			if p == "" {
				screenshot(t, ctx, "phone")
			}
		}
	})

	t.Run("dark mode follows the system preference", func(t *testing.T) {
		dark := emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}})
		run(t, dark)
		defer run(t, emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: ""}}))
		var bg, fg string
		run(t, chromedp.Navigate(url), chromedp.WaitVisible("#queues", chromedp.ByQuery),
			chromedp.Evaluate(`getComputedStyle(document.body).backgroundColor`, &bg),
			chromedp.Evaluate(`getComputedStyle(document.body).color`, &fg))
		if bg != "rgb(13, 17, 23)" || fg != "rgb(230, 237, 243)" {
			t.Fatalf("dark mode body colours %s on %s, want rgb(230, 237, 243) on rgb(13, 17, 23)", fg, bg)
		}
		screenshot(t, ctx, "dark")
	})
}

// jsIndexes is the keys of reached as a JavaScript array literal.
func jsIndexes(reached map[int]bool) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range reached {
		fmt.Fprintf(&b, "%d,", i)
	}
	b.WriteString("]")
	return b.String()
}
