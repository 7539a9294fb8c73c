package jobs

import (
	"testing"
	"time"
)

func TestWaitBucket(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{
		{-time.Second, 0},
		{0, 0},
		{time.Millisecond, 0},
		{time.Millisecond + time.Microsecond, 1},
		{1414 * time.Microsecond, 1},
		{2 * time.Millisecond, 2},
		{time.Second, 20},
		{1024 * time.Millisecond, 20},
		{1025 * time.Millisecond, 21},
		{8388608 * time.Millisecond, WaitBuckets - 2},
		{8388609 * time.Millisecond, WaitBuckets - 1},
		{48 * time.Hour, WaitBuckets - 1},
	} {
		if got := WaitBucket(tc.d); got != tc.want {
			t.Errorf("WaitBucket(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
	if WaitBucketBound(WaitBuckets-1) != -1 || WaitBucketBound(0) != time.Millisecond {
		t.Errorf("bounds: last %v, first %v", WaitBucketBound(WaitBuckets-1), WaitBucketBound(0))
	}
}

func TestWaitHistogramQuantile(t *testing.T) {
	hist := func(waits ...time.Duration) *WaitHistogram {
		var h WaitHistogram
		for _, w := range waits {
			h[WaitBucket(w)]++
		}
		return &h
	}
	for _, tc := range []struct {
		name     string
		h        *WaitHistogram
		q        float64
		min, max time.Duration // the answer's range: the bucket of the true quantile
	}{
		{"empty", hist(), 0.5, 0, 0},
		{"one", hist(3 * time.Millisecond), 0.5, 2828 * time.Microsecond, 4 * time.Millisecond},
		{"median of 1..100 ms", hist(durations(1, 100)...), 0.5, 45255 * time.Microsecond, 64 * time.Millisecond},
		{"p95 of 1..100 ms", hist(durations(1, 100)...), 0.95, 90510 * time.Microsecond, 128 * time.Millisecond},
		{"p95 of 1..100 ms", hist(durations(1, 100)...), 1, 90510 * time.Microsecond, 128 * time.Millisecond},
		{"unbounded", hist(5 * time.Hour), 0.5, WaitBucketBound(WaitBuckets - 2), WaitBucketBound(WaitBuckets - 2)},
	} {
		got := tc.h.Quantile(tc.q)
		if got < tc.min || got > tc.max {
			t.Errorf("%s: Quantile(%v) = %v, want in [%v, %v]", tc.name, tc.q, got, tc.min, tc.max)
		}
	}
	// Interpolation: 100 waits in the bucket (1.024 s, 1.448 s] put the
	// median in its middle.
	var h WaitHistogram
	h[21] = 100
	if got, want := h.Quantile(0.5), (1024*time.Millisecond+1448155*time.Microsecond)/2; got < want-time.Millisecond || got > want+time.Millisecond {
		t.Errorf("median of one bucket %v, want about %v", got, want)
	}
}

// durations returns from..to milliseconds, one each.
func durations(from, to int) []time.Duration {
	var out []time.Duration
	for i := from; i <= to; i++ {
		out = append(out, time.Duration(i)*time.Millisecond)
	}
	return out
}

func TestThroughputQueryWindow(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		q         ThroughputQuery
		since     time.Time
		waitRange time.Duration
	}{
		{"defaults", ThroughputQuery{}, time.Date(2030, 1, 2, 2, 4, 0, 0, time.UTC), DefaultWaitWindow},
		{"too old", ThroughputQuery{Since: now.Add(-48 * time.Hour), WaitWindow: 2 * time.Hour}, time.Date(2030, 1, 1, 3, 4, 0, 0, time.UTC), MaxWaitWindow},
		{"future", ThroughputQuery{Since: now.Add(time.Hour), WaitWindow: time.Minute}, time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC), time.Minute},
	} {
		since, wait := tc.q.Window(now)
		if !since.Equal(tc.since) || wait != tc.waitRange {
			t.Errorf("%s: Window = %v, %v; want %v, %v", tc.name, since, wait, tc.since, tc.waitRange)
		}
	}
}
