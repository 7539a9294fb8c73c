package admin_test

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/chromedp/chromedp"

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/adapters/redis/redistest"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestOverviewThroughputInBrowser seeds an hour of jobs (seedHour) on the
// memory and the Redis backend and checks what the overview draws and
// shows: the chart's lines point by point, its totals, the per-queue
// rates and waits, and the 24-hour range.
func TestOverviewThroughputInBrowser(t *testing.T) {
	ctx, _ := browser(t)
	run := runner(ctx)
	backends := []struct {
		name string
		new  func(t *testing.T, clock jobs.Clock) jobs.Backend
	}{
		{"memory", func(_ *testing.T, clock jobs.Clock) jobs.Backend { return memory.New(memory.WithClock(clock)) }},
		{"redis", func(t *testing.T, clock jobs.Clock) jobs.Backend {
			b, _ := redistest.New(t, redis.WithClock(clock))
			return b
		}},
	}
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			clock := backendtest.NewClock(hourStart)
			b := bk.new(t, clock)
			seed := seedHour(t, b, clock)
			url := dashboardServer(t, b)
			run(t, login(url, browserToken), chromedp.WaitVisible("#chart", chromedp.ByQuery))
			checkChart(t, run, seed, "1h", seed.minutes[:60]) // not the current minute
			if bk.name == "memory" {
				screenshot(t, ctx, "overview")
			}

			var text string
			rateOf := func(n int64) string { return strconv.FormatFloat(float64(n)/5.5, 'f', 1, 64) }
			for _, c := range []struct{ sel, want string }{
				{`tr[data-queue="emails"] td[data-rate="processed"]`, rateOf(seed.processed)},
				{`tr[data-queue="emails"] td[data-rate="failed"]`, rateOf(seed.failed)},
			} {
				if run(t, chromedp.Text(c.sel, &text, chromedp.ByQuery)); text != c.want {
					t.Errorf("%s shows %q, want %s", c.sel, text, c.want)
				}
			}
			for _, c := range []struct {
				which string
				q     float64
			}{{"p50", 0.5}, {"p95", 0.95}} {
				run(t, chromedp.Text(`tr[data-queue="emails"] td[data-wait="`+c.which+`"]`, &text, chromedp.ByQuery))
				d, err := time.ParseDuration(text)
				if lo, hi := seed.quantileBounds(c.q); err != nil || d < lo || d > hi {
					t.Errorf("emails wait %s shows %q, want a duration in [%v, %v]", c.which, text, lo, hi)
				}
			}

			// The 24-hour chart: the same hour at its end, zeros before.
			run(t, chromedp.Click(`.ranges a[href="?range=24h"]`, chromedp.ByQuery),
				chromedp.WaitVisible(`#chart[data-range="24h"]`, chromedp.ByQuery))
			day := make([]jobs.MinuteCount, 24*60+1)
			for i := range day {
				day[i].Minute = hourStart.Add(time.Hour - 24*time.Hour + time.Duration(i)*time.Minute)
			}
			copy(day[len(day)-len(seed.minutes):], seed.minutes)
			checkChart(t, run, seed, "24h", day[:len(day)-1])
		})
	}
}

// checkChart reads the chart the page shows and checks it against want,
// the minutes it should draw (the whole ones): its range, totals, and each point of both
// lines, read back into attempts per minute through the y axis.
func checkChart(t *testing.T, run func(*testing.T, ...chromedp.Action), seed hourSeed, rng string, want []jobs.MinuteCount) {
	t.Helper()
	var attrs map[string]string
	var processedPts, failedPts, processed, failed string
	run(t, chromedp.Attributes("#chart", &attrs, chromedp.ByQuery),
		chromedp.AttributeValue("#chart polyline.processed", "points", &processedPts, nil, chromedp.ByQuery),
		chromedp.AttributeValue("#chart polyline.failed", "points", &failedPts, nil, chromedp.ByQuery),
		chromedp.Text("#chart-processed", &processed, chromedp.ByQuery),
		chromedp.Text("#chart-failed", &failed, chromedp.ByQuery))
	p, f := seed.totals()
	if attrs["data-range"] != rng || attrs["data-minutes"] != strconv.Itoa(len(want)) ||
		processed != strconv.FormatInt(p, 10) || failed != strconv.FormatInt(f, 10) {
		t.Fatalf("chart %v shows %s processed, %s failed; want range %s, %d minutes, %d and %d",
			attrs, processed, failed, rng, len(want), p, f)
	}
	top, err := strconv.ParseFloat(attrs["data-max"], 64)
	if err != nil {
		t.Fatal(err)
	}
	// The plot spans y 160 (0) to 10 (top) of the view box.
	for _, line := range []struct {
		name, pts string
		value     func(jobs.MinuteCount) int64
	}{
		{"processed", processedPts, func(m jobs.MinuteCount) int64 { return m.Processed }},
		{"failed", failedPts, func(m jobs.MinuteCount) int64 { return m.Failed }},
	} {
		pts := strings.Fields(line.pts)
		if len(pts) != len(want) {
			t.Fatalf("%s line has %d points, want %d", line.name, len(pts), len(want))
		}
		lastX := -1.0
		for i, pt := range pts {
			xs, ys, _ := strings.Cut(pt, ",")
			x, _ := strconv.ParseFloat(xs, 64)
			y, err := strconv.ParseFloat(ys, 64)
			if err != nil || x <= lastX {
				t.Fatalf("%s point %d %q: not after the previous one (%v)", line.name, i, pt, err)
			}
			lastX = x
			if got := math.Round((160 - y) * top / 150); int64(got) != line.value(want[i]) {
				t.Fatalf("%s line at %v draws %v, want %d", line.name, want[i].Minute.Format("15:04"), got, line.value(want[i]))
			}
		}
	}
}
