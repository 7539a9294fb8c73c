package admin

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// The throughput chart's geometry, in SVG user units: the plot area spans
// x chartLeft..chartRight and y chartTop..chartBottom of a chartWidth by
// chartHeight view box.
const (
	chartWidth  = 760
	chartHeight = 190
	chartLeft   = 48
	chartRight  = 750
	chartTop    = 10
	chartBottom = 160
)

// chartView is the overview's throughput chart, ready for the template:
// an inline SVG drawn by the server, so the page needs no script for it.
type chartView struct {
	Range                     string // "1h" or "24h"
	Width, Height             int
	Left, Right, Top, Bottom  int
	YLabelX, XLabelY          int    // where the axes' labels go
	Processed, Failed         string // the two lines' polyline points
	Max                       int64  // the top of the y axis, in attempts per minute
	TotalProcessed, TotalFail int64
	Minutes                   int // the points of each line
	YTicks, XTicks            []chartTick
}

// chartTick is a grid line with its label.
type chartTick struct {
	At   float64 // y for a y tick, x for an x tick
	Text string
}

// niceCeil is the smallest of 1, 2, 5, 10, 20, 50, ... that is at least n
// (at least 1).
func niceCeil(n int64) int64 {
	for step := int64(1); ; step *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*step >= n {
				return m * step
			}
		}
	}
}

// chartOf draws t's minutes but the current one, which is still being
// counted, as two lines, processed and failed per minute, with grid lines
// and time labels every 10 minutes for an hour, every 3 hours for a day.
func chartOf(t *Throughput) *chartView {
	minutes := t.Minutes[:max(len(t.Minutes)-1, 0)]
	c := &chartView{Range: t.Range, Width: chartWidth, Height: chartHeight, Left: chartLeft, Right: chartRight,
		Top: chartTop, Bottom: chartBottom, YLabelX: chartLeft - 6, XLabelY: chartBottom + 18, Minutes: len(minutes)}
	var peak int64
	for _, m := range minutes {
		peak = max(peak, m.Processed, m.Failed)
		c.TotalProcessed += m.Processed
		c.TotalFail += m.Failed
	}
	c.Max = niceCeil(peak)
	n := len(minutes)
	x := func(i int) float64 {
		if n < 2 {
			return chartLeft
		}
		return chartLeft + float64(i)*float64(chartRight-chartLeft)/float64(n-1)
	}
	y := func(v int64) float64 {
		return chartBottom - float64(v)*float64(chartBottom-chartTop)/float64(c.Max)
	}
	c.Processed = points(minutes, x, y, func(m jobs.MinuteCount) int64 { return m.Processed })
	c.Failed = points(minutes, x, y, func(m jobs.MinuteCount) int64 { return m.Failed })
	for _, f := range []int64{0, 1, 2, 4} { // 0, a quarter, half, all
		v := c.Max * f / 4
		if f == 1 && c.Max < 4 {
			continue
		}
		c.YTicks = append(c.YTicks, chartTick{At: y(v), Text: strconv.FormatInt(v, 10)})
	}
	every := 10 * time.Minute
	if t.Range == "24h" {
		every = 3 * time.Hour
	}
	for i, m := range minutes {
		if m.Minute.Truncate(every).Equal(m.Minute) {
			c.XTicks = append(c.XTicks, chartTick{At: x(i), Text: m.Minute.UTC().Format("15:04")})
		}
	}
	return c
}

// points is the SVG polyline points of value over minutes.
func points(minutes []jobs.MinuteCount, x func(int) float64, y func(int64) float64, value func(jobs.MinuteCount) int64) string {
	var b strings.Builder
	for i, m := range minutes {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(math.Round(x(i)*10)/10, 'f', -1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(math.Round(y(value(m))*10)/10, 'f', -1, 64))
	}
	return b.String()
}

// rate formats a per-minute rate: one decimal below 100, none above.
func rate(r float64) string {
	if r >= 100 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// waitText formats a wait in milliseconds for the overview; "–" when no
// job started.
func waitText(started int64, msecs float64) string {
	if started == 0 {
		return "–"
	}
	d := time.Duration(msecs * float64(time.Millisecond))
	switch {
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	return d.Round(time.Second).String()
}

// overviewThroughput is what the overview page shows of the per-minute
// counters: nil in page when the backend keeps none.
type overviewThroughput struct {
	Range string // "1h" or "24h"
	Chart *chartView
	Rates map[string]rateView // by queue
}

// rateView is one queue's rates and waits, formatted.
type rateView struct {
	Processed, Failed string // per minute
	P50, P95          string
}

// overviewThroughputOf formats t for the overview page.
func overviewThroughputOf(t *Throughput) *overviewThroughput {
	o := &overviewThroughput{Range: t.Range, Chart: chartOf(t), Rates: make(map[string]rateView, len(t.Queues))}
	for _, q := range t.Queues {
		o.Rates[q.Queue] = rateView{
			Processed: rate(q.ProcessedPerMinute),
			Failed:    rate(q.FailedPerMinute),
			P50:       waitText(q.Started, q.WaitP50MS),
			P95:       waitText(q.Started, q.WaitP95MS),
		}
	}
	return o
}
