package redis

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestWaitBoundsMatchRuntime: the scripts' wait buckets are the runtime's.
func TestWaitBoundsMatchRuntime(t *testing.T) {
	for name, src := range map[string]string{"dequeue": dequeueScript.src, "cycle": cycleScript.src} {
		if strings.Contains(src, waitBoundsName) {
			t.Errorf("script %s still holds %s", name, waitBoundsName)
		}
		table := regexp.MustCompile(`(?s)local WAITS = \{(.*?)\}`).FindStringSubmatch(src)
		if table == nil {
			t.Fatalf("no WAITS table in script %s", name)
		}
		nums := regexp.MustCompile(`\d+`).FindAllString(table[1], -1)
		if len(nums) != jobs.WaitBuckets-1 {
			t.Fatalf("script %s: WAITS has %d bounds, want %d", name, len(nums), jobs.WaitBuckets-1)
		}
		for i, s := range nums {
			n, _ := strconv.ParseInt(s, 10, 64)
			if got := time.Duration(n) * time.Microsecond; got != jobs.WaitBucketBound(i) {
				t.Errorf("script %s: WAITS[%d] = %v, jobs.WaitBucketBound(%d) = %v", name, i+1, got, i, jobs.WaitBucketBound(i))
			}
		}
	}
}

// TestWaitBucketScript runs the scripts' wait_bucket on the server for
// waits at, just below and just above every bound, and far beyond the
// last, each with several hints (the bucket it tries first): each must
// land in the bucket jobs.WaitBucket gives (the script numbers buckets
// from 1).
func TestWaitBucketScript(t *testing.T) {
	b := newTestBackend(t, nil)
	src := mustRead("fn_dequeue.lua")
	fn := regexp.MustCompile(`(?s)local WAITS = \{.*?\}\n.*?\nlocal function wait_bucket.*?\nend\n`).FindString(src)
	if fn == "" {
		t.Fatal("no WAITS and wait_bucket in fn_dequeue.lua")
	}
	waits := []int64{0, 1, 999, 1000, 1001, 1 << 40}
	for i := range jobs.WaitBuckets - 1 {
		bound := jobs.WaitBucketBound(i).Microseconds()
		waits = append(waits, bound-1, bound, bound+1)
	}
	args := make([]any, len(waits))
	for i, w := range waits {
		args[i] = w
	}
	for _, hint := range []int{1, 2, 24, 47, 48} {
		got, err := b.client.Eval(context.Background(), fn+`
local out = {}
for i, w in ipairs(ARGV) do out[i] = wait_bucket(tonumber(w), 0, `+strconv.Itoa(hint)+`) end
return out`, nil, args...).Int64Slice()
		must(t, err)
		for i, w := range waits {
			if want := jobs.WaitBucket(time.Duration(w) * time.Microsecond); got[i]-1 != int64(want) {
				t.Errorf("wait of %d µs, hint %d: script bucket %d, want %d", w, hint, got[i]-1, want)
			}
		}
	}
}

// TestDueTimeScript runs the scripts' due_us, which reads when a job
// became due from its x (unix nanoseconds) or, for a job stored without
// x, from the stamp of its generated ID, then wait_bucket, on due times
// at, just before and just after every bound. Each must land in the
// bucket of its exact wait: for IDs, the wait from
// jobs.GeneratedIDTime's reading of the stamp in whole microseconds.
func TestDueTimeScript(t *testing.T) {
	b := newTestBackend(t, nil)
	src := mustRead("fn_dequeue.lua")
	fn := regexp.MustCompile(`(?s)local WAITS = \{.*?\nlocal function wait_bucket.*?\nend\n`).FindString(src)
	if fn == "" || !strings.Contains(fn, "local function due_us(") {
		t.Fatal("no WAITS, due_us and wait_bucket in fn_dequeue.lua")
	}
	const start = int64(1796357167123456) // unix microseconds
	// bucket is the bucket of a wait of ns nanoseconds.
	bucket := func(ns int64) int {
		for i := range jobs.WaitBuckets - 1 {
			if ns <= jobs.WaitBucketBound(i).Nanoseconds() {
				return i
			}
		}
		return jobs.WaitBuckets - 1
	}
	waits := []int64{0, 1, 999, 1000, 1001, 1 << 40}
	for i := range jobs.WaitBuckets - 1 {
		waits = append(waits, jobs.WaitBucketBound(i).Microseconds())
	}
	var dues []any // x values, then IDs
	var want []int
	for _, w := range waits {
		for _, delta := range []int64{-1, 0, 1} {
			x := (start-w)*1000 + delta
			dues = append(dues, strconv.FormatInt(x, 10))
			want = append(want, bucket(start*1000-x))
		}
	}
	xs := len(dues)
	for _, w := range waits {
		for _, delta := range []int64{-1, 0, 1} {
			target := start - w - delta
			ms, r := target/1000, target%1000
			up := (r*4096 + 999) / 1000 // the least fraction that reads as r µs or more
			for _, frac := range []int64{up - 1, up} {
				if frac < 0 {
					continue
				}
				id := fmt.Sprintf("%08x-%04x-7%03x-8000-000000000000", ms>>16, ms&0xffff, frac)
				us := ms*1000 + frac*1000/4096
				if at, ok := jobs.GeneratedIDTime(id); !ok || at.UnixMicro() != us {
					t.Fatalf("ID %s: GeneratedIDTime %v, %v; want %d µs", id, at, ok, us)
				}
				dues = append(dues, id)
				want = append(want, bucket((start-us)*1000))
			}
		}
	}
	got, err := b.client.Eval(context.Background(), fn+`
local out, start = {}, `+strconv.FormatInt(start, 10)+`
for i, s in ipairs(ARGV) do
  local due
  if i <= `+strconv.Itoa(xs)+` then due = due_us(s, '') else due = due_us('', s) end
  out[i] = wait_bucket(start, due, 1)
end
return out`, nil, dues...).Int64Slice()
	must(t, err)
	for i, due := range dues {
		if got[i]-1 != int64(want[i]) {
			t.Errorf("due %s: script bucket %d, want %d", due, got[i]-1, want[i])
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

// TestCounterKeys checks the per-minute counter keys (<base>tp, <base>wt)
// as the scripts keep them: a job run counts in both, a second run in the
// same minute adds to the same slot without renewing the keys' expiry,
// the first run of a new minute renews it (25 hours), and keys of another
// type are left alone without failing the dequeue or the ack.
func TestCounterKeys(t *testing.T) {
	for _, tc := range []struct {
		name      string
		wrongType bool
	}{{"strings", false}, {"wrong type", true}} {
		t.Run(tc.name, func(t *testing.T) {
			clock := backendtest.NewClock(backendtest.Start)
			b := newTestBackend(t, clock)
			ctx := context.Background()
			k := b.queue("q")
			keys := []string{k.base + "tp", k.base + "wt"}
			if tc.wrongType {
				for _, key := range keys {
					must(t, b.client.RPush(ctx, key, "x").Err())
				}
			}
			run := func(id string) {
				t.Helper()
				must(t, b.Enqueue(ctx, job(t, clock, id, "q")))
				got := dequeue(t, b, "q", 1)
				if len(got) != 1 {
					t.Fatalf("dequeued %d jobs, want 1", len(got))
				}
				must(t, b.Ack(ctx, mustJob(got[0].Complete(nil, clock.Now()))))
			}
			ttls := func() []time.Duration {
				t.Helper()
				var out []time.Duration
				for _, key := range keys {
					d, err := b.client.TTL(ctx, key).Result()
					must(t, err)
					out = append(out, d)
				}
				return out
			}
			run("a")
			if tc.wrongType {
				for _, key := range keys {
					if n, err := b.client.LLen(ctx, key).Result(); err != nil || n != 1 {
						t.Fatalf("list %s: %d items, %v; want it untouched", key, n, err)
					}
				}
				return
			}
			for i, d := range ttls() {
				if d <= 24*time.Hour || d > 25*time.Hour {
					t.Fatalf("%s expires in %v, want 25 hours", keys[i], d)
				}
			}
			for _, key := range keys {
				must(t, b.client.Expire(ctx, key, time.Hour).Err())
			}
			clock.Advance(time.Second)
			run("b") // the same minute
			for i, d := range ttls() {
				if d > time.Hour {
					t.Fatalf("%s: expiry renewed within a minute (%v)", keys[i], d)
				}
			}
			tp, err := b.Throughput(ctx, jobs.ThroughputQuery{Since: clock.Now().Add(-time.Minute)})
			must(t, err)
			if q := tp.Queues[0]; q.Minutes[len(q.Minutes)-1].Processed != 2 || q.Wait.Total() != 2 {
				t.Fatalf("throughput %+v, want 2 processed and 2 waits in this minute", q)
			}
			clock.Advance(time.Minute)
			run("c") // a new minute
			for i, d := range ttls() {
				if d <= 24*time.Hour {
					t.Fatalf("%s expires in %v after a new minute, want 25 hours", keys[i], d)
				}
			}
		})
	}
}

// TestLeaseWaits leases, in one call, jobs due at times that move the
// dequeue loop's bucket from job to job (the same bucket again, another,
// a bound exactly, a nanosecond past it, none, beyond the last) and
// checks the wait histogram of that minute against each job's exact wait.
func TestLeaseWaits(t *testing.T) {
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	ctx := context.Background()
	start := clock.Now()
	waits := []time.Duration{1500 * time.Millisecond, 1500 * time.Millisecond, 10 * time.Millisecond, 0,
		jobs.WaitBucketBound(20) + 1, jobs.WaitBucketBound(20), jobs.WaitBucketBound(20) - 1, 2 * time.Hour, time.Millisecond,
		time.Millisecond + 1, 1500 * time.Millisecond}
	var batch []jobs.Job
	var want jobs.WaitHistogram
	for i, w := range waits {
		j := job(t, clock, fmt.Sprintf("j%d", i), "q")
		j.CreatedAt, j.ExecuteAt = start.Add(-w), start.Add(-w)
		batch = append(batch, j)
		k := jobs.WaitBuckets - 1
		for i := range jobs.WaitBuckets - 1 {
			if w <= jobs.WaitBucketBound(i) {
				k = i
				break
			}
		}
		want[k]++
	}
	must(t, b.Enqueue(ctx, batch...))
	if got := dequeue(t, b, "q", len(batch)); len(got) != len(batch) {
		t.Fatalf("leased %d jobs, want %d", len(got), len(batch))
	}
	tp, err := b.Throughput(ctx, jobs.ThroughputQuery{WaitWindow: time.Minute})
	must(t, err)
	if got := tp.Queues[0].Wait; got != want {
		t.Fatalf("waits %v, want %v", got, want)
	}
}
