package jobs

import (
	"time"
)

// Per-minute counters: how many attempts each queue finished (and how many
// of them failed) in each minute, and how long its jobs waited between
// becoming due and starting. Backends keep them in bounded memory for
// ThroughputRetention and forget older minutes on their own, so that a
// dashboard can chart throughput without Prometheus.
const (
	// ThroughputRetention is how far back Throughput can look: minutes
	// older than that are forgotten (a backend keeps a few more).
	ThroughputRetention = 24 * time.Hour
	// MaxWaitWindow is the longest WaitWindow Throughput sums waits over.
	MaxWaitWindow = time.Hour
	// DefaultWaitWindow is the WaitWindow of a ThroughputQuery that sets none.
	DefaultWaitWindow = 5 * time.Minute
	// WaitBuckets is the number of buckets of a WaitHistogram.
	WaitBuckets = 48
)

// waitBounds[i] is the upper bound, in microseconds, of wait bucket i:
// 2^(i/2) milliseconds, rounded. The last bucket has no upper bound. The
// Redis adapter's scripts hold the same table (lua/lib.lua WAIT_BOUNDS).
var waitBounds = [WaitBuckets - 1]int64{
	1000, 1414, 2000, 2828, 4000, 5657, 8000, 11314, 16000, 22627, 32000, 45255,
	64000, 90510, 128000, 181019, 256000, 362039, 512000, 724077, 1024000, 1448155,
	2048000, 2896309, 4096000, 5792619, 8192000, 11585238, 16384000, 23170475,
	32768000, 46340950, 65536000, 92681900, 131072000, 185363800, 262144000,
	370727600, 524288000, 741455200, 1048576000, 1482910400, 2097152000,
	2965820801, 4194304000, 5931641602, 8388608000,
}

// WaitBucket returns the bucket of a WaitHistogram that a wait of d falls
// in: bucket 0 holds waits up to 1 ms, bucket i > 0 those longer than
// WaitBucketBound(i-1) and at most WaitBucketBound(i) (about 1.41 times
// the previous bound), the last bucket those longer than about 2.3 hours.
// A negative wait counts as 0.
func WaitBucket(d time.Duration) int {
	us := d.Microseconds()
	for i, b := range waitBounds {
		if us <= b {
			return i
		}
	}
	return WaitBuckets - 1
}

// WaitBucketBound returns the upper bound of wait bucket i, or -1 for the
// last bucket, which has none.
func WaitBucketBound(i int) time.Duration {
	if i < 0 || i >= len(waitBounds) {
		return -1
	}
	return time.Duration(waitBounds[i]) * time.Microsecond
}

// WaitHistogram counts waits by bucket (see WaitBucket).
type WaitHistogram [WaitBuckets]int64

// Total is the number of waits counted.
func (h *WaitHistogram) Total() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Add counts the waits of o too.
func (h *WaitHistogram) Add(o *WaitHistogram) {
	for i, c := range o {
		h[i] += c
	}
}

// Quantile estimates the q-quantile (0 < q <= 1; 0.95 for p95) of the
// waits: it finds the bucket that holds it and interpolates linearly
// within the bucket's bounds, so it is off by at most the bucket's width
// (about 41% of its value). In the last, unbounded bucket it answers the
// bucket's lower bound. It returns 0 when nothing was counted.
func (h *WaitHistogram) Quantile(q float64) time.Duration {
	total := h.Total()
	if total == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(total)
	var seen int64
	for i, c := range h {
		if c == 0 || float64(seen+c) < rank {
			seen += c
			continue
		}
		var lo time.Duration
		if i > 0 {
			lo = WaitBucketBound(i - 1)
		}
		hi := WaitBucketBound(i)
		if hi < 0 {
			return lo
		}
		frac := (rank - float64(seen)) / float64(c)
		return lo + time.Duration(frac*float64(hi-lo))
	}
	return WaitBucketBound(WaitBuckets - 2) // not reached: rank <= total
}

// MinuteCount is what a queue finished in one minute. Processed counts
// finished attempts (succeeded or failed), Failed those that failed
// (retried or dead), as in Stats.
type MinuteCount struct {
	Minute    time.Time `json:"minute"` // its first instant, in UTC
	Processed int64     `json:"processed"`
	Failed    int64     `json:"failed"`
}

// QueueThroughput is one queue's per-minute counters.
type QueueThroughput struct {
	Queue string `json:"queue"`
	// Minutes has one entry per minute, oldest first, from the query's
	// Since to the current minute (which is still being counted), zeros
	// included.
	Minutes []MinuteCount `json:"minutes"`
	// Wait counts how long the jobs started in the minutes from the one
	// WaitWindow ago to the current one waited
	// between becoming due and starting (enqueue to start for a job run at
	// once; from its execute-at time for a scheduled or retried one).
	Wait WaitHistogram `json:"wait"`
}

// Throughput is what ThroughputReader.Throughput returns.
type Throughput struct {
	// Now is when it was read, by the backend's clock.
	Now time.Time `json:"now"`
	// Queues has every queue the backend knows, sorted by name.
	Queues []QueueThroughput `json:"queues"`
}

// ThroughputQuery says which minutes Throughput returns.
type ThroughputQuery struct {
	// Since is the first minute to return; the zero time means an hour
	// ago, and it is moved to ThroughputRetention ago when it is earlier.
	Since time.Time
	// WaitWindow is how far back QueueThroughput.Wait counts: 0 means
	// DefaultWaitWindow; it is at most MaxWaitWindow.
	WaitWindow time.Duration
}

// Window returns the first minute and the wait window q asks for at now,
// with the defaults and limits applied.
func (q ThroughputQuery) Window(now time.Time) (since time.Time, wait time.Duration) {
	since = q.Since
	if since.IsZero() {
		since = now.Add(-time.Hour)
	}
	if oldest := now.Add(-ThroughputRetention); since.Before(oldest) {
		since = oldest
	}
	if since.After(now) {
		since = now
	}
	since = since.Truncate(time.Minute)
	wait = q.WaitWindow
	if wait <= 0 {
		wait = DefaultWaitWindow
	}
	return since.UTC(), min(wait, MaxWaitWindow)
}
