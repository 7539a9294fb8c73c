package redis

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestWaitBoundsMatchRuntime: the scripts' wait buckets are the runtime's.
func TestWaitBoundsMatchRuntime(t *testing.T) {
	src := mustRead("fn_dequeue.lua")
	table := regexp.MustCompile(`(?s)local WAITS = \{(.*?)\}`).FindStringSubmatch(src)
	if table == nil {
		t.Fatal("no WAITS table in fn_dequeue.lua")
	}
	nums := regexp.MustCompile(`\d+`).FindAllString(table[1], -1)
	if len(nums) != jobs.WaitBuckets-1 {
		t.Fatalf("WAITS has %d bounds, want %d", len(nums), jobs.WaitBuckets-1)
	}
	for i, s := range nums {
		n, _ := strconv.ParseInt(s, 10, 64)
		if got := time.Duration(n) * time.Microsecond; got != jobs.WaitBucketBound(i) {
			t.Errorf("WAITS[%d] = %v, jobs.WaitBucketBound(%d) = %v", i+1, got, i, jobs.WaitBucketBound(i))
		}
	}
}

func TestRingSpans(t *testing.T) {
	for _, tc := range []struct {
		first, last, slots int64
		want               [][2]int64 // first, n
	}{
		{10, 12, 64, [][2]int64{{10, 3}}},
		{62, 66, 64, [][2]int64{{62, 2}, {64, 3}}},
		{0, 200, 64, [][2]int64{{137, 55}, {192, 9}}},
		{1500, 1500, 1500, [][2]int64{{1500, 1}}},
	} {
		got := ringSpans(tc.first, tc.last, tc.slots)
		ok := len(got) == len(tc.want)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i].first == tc.want[i][0] && got[i].n == tc.want[i][1]
		}
		if !ok {
			t.Errorf("ringSpans(%d, %d, %d) = %+v, want %v", tc.first, tc.last, tc.slots, got, tc.want)
		}
	}
}
