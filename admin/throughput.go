package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/jobsgo/jobs"
)

// rateWindow is how far back the per-queue rates of the overview look.
const rateWindow = 5 * time.Minute

// The time ranges of the throughput chart.
var chartRanges = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour}

// Overview is the body of GET /api/admin/overview: everything the
// dashboard's overview shows, in one response (its live refresh reads it).
type Overview struct {
	Stats Stats `json:"stats"`
	// Throughput is nil when the backend keeps no per-minute counters
	// (it does not implement jobs.ThroughputReader).
	Throughput *Throughput `json:"throughput"`
}

// Throughput is what the backend counted per minute over Range.
type Throughput struct {
	Range string    `json:"range"` // "1h" or "24h"
	Now   time.Time `json:"now"`   // by the backend's clock
	// Minutes sums every queue's counts, one entry per minute, oldest
	// first; the last one is the current, still counting, minute.
	Minutes []jobs.MinuteCount `json:"minutes"`
	Queues  []QueueThroughput  `json:"queues"` // sorted by name
}

// QueueThroughput is one queue's recent rates and waits.
type QueueThroughput struct {
	Queue string `json:"queue"`
	// ProcessedPerMinute and FailedPerMinute are the mean rates of
	// finished and of failed attempts over the last 5 minutes (from the
	// start of the minute 5 minutes ago to now).
	ProcessedPerMinute float64 `json:"processed_per_minute"`
	FailedPerMinute    float64 `json:"failed_per_minute"`
	// Started is how many jobs started in the last 5 minutes (whole
	// minutes); WaitP50MS and WaitP95MS estimate the median and the 95th
	// percentile of how long they waited from enqueue (or their due time)
	// to start (see jobs.WaitHistogram.Quantile); 0 when none started.
	Started   int64   `json:"started"`
	WaitP50MS float64 `json:"wait_p50_ms"`
	WaitP95MS float64 `json:"wait_p95_ms"`
	// Minutes are the queue's own counts, as Throughput.Minutes; only in
	// the single-queue endpoint's response.
	Minutes []jobs.MinuteCount `json:"minutes,omitempty"`
}

// throughputRoutes adds the overview's and the per-minute counters'
// endpoints to the API.
func (h *Handler) throughputRoutes() {
	h.mux.Handle("GET /api/admin/overview", h.serve(h.overview))
	h.mux.Handle("GET /api/admin/queues/{queue}/throughput", h.serve(h.queueThroughput))
}

// chartRange checks the range parameter: "" means "1h".
func chartRange(r *http.Request) (string, time.Duration, error) {
	name := r.URL.Query().Get("range")
	if name == "" {
		name = "1h"
	}
	d, ok := chartRanges[name]
	if !ok {
		return "", 0, badRequest("Invalid range %q: want 1h or 24h", name)
	}
	return name, d, nil
}

// throughput reads the backend's per-minute counters over the range
// rangeName (of length d); nil when the backend keeps none.
func (h *Handler) throughput(ctx context.Context, rangeName string, d time.Duration) (*Throughput, []jobs.QueueThroughput, error) {
	tr, ok := h.backend.(jobs.ThroughputReader)
	if !ok {
		return nil, nil, nil
	}
	// Since is moved to the start of its minute: d+1 minutes in all, the
	// last one partial.
	now := time.Now()
	if ts, ok := h.backend.(jobs.TimeSource); ok {
		now = ts.Clock().Now()
	}
	raw, err := tr.Throughput(ctx, jobs.ThroughputQuery{Since: now.Add(-d), WaitWindow: jobs.DefaultWaitWindow})
	if err != nil {
		return nil, nil, err
	}
	return throughputOf(raw, rangeName), raw.Queues, nil
}

// throughputOf sums raw's queues per minute and computes their rates.
func throughputOf(raw jobs.Throughput, rangeName string) *Throughput {
	out := &Throughput{Range: rangeName, Now: utc(raw.Now), Minutes: []jobs.MinuteCount{}, Queues: make([]QueueThroughput, len(raw.Queues))}
	for i, q := range raw.Queues {
		if i == 0 {
			out.Minutes = make([]jobs.MinuteCount, len(q.Minutes))
			for j, m := range q.Minutes {
				out.Minutes[j] = jobs.MinuteCount{Minute: m.Minute}
			}
		}
		for j, m := range q.Minutes {
			if j < len(out.Minutes) {
				out.Minutes[j].Processed += m.Processed
				out.Minutes[j].Failed += m.Failed
			}
		}
		out.Queues[i] = queueThroughputOf(q, raw.Now)
	}
	return out
}

// queueThroughputOf computes q's rates at now.
func queueThroughputOf(q jobs.QueueThroughput, now time.Time) QueueThroughput {
	out := QueueThroughput{Queue: q.Queue, Started: q.Wait.Total()}
	from := now.Add(-rateWindow).Truncate(time.Minute)
	var processed, failed int64
	for _, m := range q.Minutes {
		if !m.Minute.Before(from) {
			processed += m.Processed
			failed += m.Failed
		}
	}
	if mins := now.Sub(from).Minutes(); mins > 0 {
		out.ProcessedPerMinute = float64(processed) / mins
		out.FailedPerMinute = float64(failed) / mins
	}
	out.WaitP50MS = ms(q.Wait.Quantile(0.5))
	out.WaitP95MS = ms(q.Wait.Quantile(0.95))
	return out
}

// overview answers GET /api/admin/overview?range=.
func (h *Handler) overview(r *http.Request) (int, any, error) {
	name, d, err := chartRange(r)
	if err != nil {
		return 0, nil, err
	}
	s, err := h.backend.Stats(r.Context())
	if err != nil {
		return 0, nil, err
	}
	tp, _, err := h.throughput(r.Context(), name, d)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Overview{Stats: StatsOf(s), Throughput: tp}, nil
}

// queueThroughput answers GET /api/admin/queues/{queue}/throughput?range=:
// the queue's rates, waits and per-minute counts; 404 when the backend
// keeps no per-minute counters, or has no such queue.
func (h *Handler) queueThroughput(r *http.Request) (int, any, error) {
	queue, err := queueName(r)
	if err != nil {
		return 0, nil, err
	}
	name, d, err := chartRange(r)
	if err != nil {
		return 0, nil, err
	}
	tp, raw, err := h.throughput(r.Context(), name, d)
	if err != nil {
		return 0, nil, err
	}
	if tp == nil {
		return 0, nil, &apiError{http.StatusNotFound, "This backend keeps no per-minute counters"}
	}
	for i, q := range raw {
		if q.Queue == queue {
			out := tp.Queues[i]
			out.Minutes = q.Minutes
			return http.StatusOK, out, nil
		}
	}
	return 0, nil, &apiError{http.StatusNotFound, "No such queue"}
}

// overviewThroughput reads the overview page's chart and rates for the
// request's range; noCounters reports a backend that keeps none.
func (h *Handler) overviewThroughput(r *http.Request) (o *overviewThroughput, noCounters bool, err error) {
	name, d, err := chartRange(r)
	if err != nil {
		return nil, false, err
	}
	tp, _, err := h.throughput(r.Context(), name, d)
	if err != nil || tp == nil {
		return nil, tp == nil && err == nil, err
	}
	return overviewThroughputOf(tp), false, nil
}
