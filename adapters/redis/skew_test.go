package redis

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/internal/wallclock"
	"github.com/jobsgo/jobs/runtime"
)

// Environment and timing of the clock-skew worker processes.
const (
	skewPrefixVar = "JOBS_SKEW_PREFIX" // set: run as a worker on this prefix
	skewNameVar   = "JOBS_SKEW_NAME"   // the worker's name, in its scheduled job's ID
	skewOffsetVar = "JOBS_SKEW_OFFSET" // how far the worker's wall clock is off
	skewLease     = 2 * time.Second
	skewWork      = time.Second // longer than a heartbeat interval (Lease/3), shorter than the lease
	skewDelay     = 3 * time.Second
	skewQueue     = "skew"
	skewLater     = "later" // the queue of the scheduled jobs, with a worker of its own
)

// skewWorkers are the processes of TestClockSkew: one whose clock is
// right and two whose clocks are five minutes off either way.
var skewWorkers = []struct {
	name   string
	offset time.Duration
}{
	{"correct", 0},
	{"ahead", 5 * time.Minute},
	{"behind", -5 * time.Minute},
}

// TestSkewWorkerProcess is the worker that TestClockSkew runs in child
// processes, with its wall clock moved by JOBS_SKEW_OFFSET: a pool with
// 2 s leases and a 100 ms scheduler whose "work" handler takes 1 s. Once
// started it enqueues one job to run in 3 s ("enqueued <id> <begin>
// <end>", real unix ns around the call). Handlers print "run <id> <real
// unix ns>". Without the environment variable it does nothing.
func TestSkewWorkerProcess(t *testing.T) {
	b := skewedChildBackend(t, skewPrefixVar, "TestClockSkew")
	reg := runtime.NewRegistry()
	run := func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		fmt.Printf("run %s %d\n", j.ID, time.Now().UnixNano())
		if j.Type == "work" {
			select {
			case <-time.After(skewWork):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return nil, nil
	}
	must(t, reg.Register("work", run))
	must(t, reg.Register("later", run))
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{
		Queues:            map[string]int{skewQueue: 4, skewLater: 1},
		Lease:             skewLease,
		SchedulerInterval: 100 * time.Millisecond,
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	must(t, err)
	ctx := context.Background()
	must(t, pool.Start(ctx))
	id := "later-" + os.Getenv(skewNameVar)
	begin := time.Now()
	_, err = runtime.NewClient(b).Enqueue(ctx, "later", nil, jobs.WithJobID(id), jobs.WithQueue(skewLater), jobs.RunIn(skewDelay))
	must(t, err)
	fmt.Printf("enqueued %s %d %d\n", id, begin.UnixNano(), time.Now().UnixNano())
	time.Sleep(time.Minute) // the parent kills this process long before
}

// skewLedger is what the worker processes of TestClockSkew printed.
type skewLedger struct {
	mu       sync.Mutex
	runs     map[string][]time.Time    // job ID -> real start time of each run
	enqueued map[string][2]time.Time   // scheduled job ID -> real time before and after Enqueue
	by       map[string]map[string]int // job ID -> worker name -> runs
}

// read records the lines of worker name until r ends.
func (l *skewLedger) read(name string, r *bufio.Scanner) {
	for r.Scan() {
		f := strings.Fields(r.Text())
		ns := make([]time.Time, 0, 2)
		for _, s := range f[min(2, len(f)):] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				break
			}
			ns = append(ns, time.Unix(0, n))
		}
		l.mu.Lock()
		switch {
		case len(f) == 3 && f[0] == "run" && len(ns) == 1:
			l.runs[f[1]] = append(l.runs[f[1]], ns[0])
			if l.by[f[1]] == nil {
				l.by[f[1]] = make(map[string]int)
			}
			l.by[f[1]][name]++
		case len(f) == 4 && f[0] == "enqueued" && len(ns) == 2:
			l.enqueued[f[1]] = [2]time.Time{ns[0], ns[1]}
		}
		l.mu.Unlock()
	}
}

// TestClockSkew runs three worker processes on one Redis, one with a
// right clock and two with clocks five minutes ahead and behind, on jobs
// that each outlast a heartbeat interval: every job runs once, on its
// first attempt (no healthy lease is recovered), and the job each process
// schedules 3 s ahead starts 3 s after it was enqueued, neither earlier
// nor much later.
func TestClockSkew(t *testing.T) {
	if os.Getenv(skewPrefixVar) != "" {
		t.Skip("running as a worker")
	}
	if testing.Short() {
		t.Skip("takes 6 s")
	}
	b := newTestBackend(t, nil)
	ctx := t.Context()
	const batch = 36 // three rounds of the 12 slots
	reqs := make([]runtime.EnqueueRequest, batch)
	for i := range reqs {
		reqs[i] = runtime.EnqueueRequest{Type: "work", Options: []jobs.EnqueueOption{jobs.WithJobID(fmt.Sprintf("work-%02d", i)), jobs.WithQueue(skewQueue)}}
	}
	_, err := runtime.NewClient(b).EnqueueBatch(ctx, reqs)
	must(t, err)

	ledger := &skewLedger{runs: make(map[string][]time.Time), enqueued: make(map[string][2]time.Time), by: make(map[string]map[string]int)}
	var readers sync.WaitGroup
	for _, w := range skewWorkers {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSkewWorkerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), skewPrefixVar+"="+b.prefix, skewNameVar+"="+w.name, skewOffsetVar+"="+w.offset.String())
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		must(t, err)
		must(t, cmd.Start())
		readers.Go(func() { ledger.read(w.name, bufio.NewScanner(stdout)) })
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}

	// Wait until every job is finished and every scheduled job has run.
	finished := func() bool {
		ledger.mu.Lock()
		defer ledger.mu.Unlock()
		for _, w := range skewWorkers {
			if len(ledger.runs["later-"+w.name]) == 0 {
				return false
			}
		}
		for i := range batch {
			j, err := b.Job(ctx, fmt.Sprintf("work-%02d", i))
			if err != nil || !j.State.Terminal() {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(30 * time.Second)
	for !finished() {
		if time.Now().After(deadline) {
			ledger.mu.Lock()
			state := fmt.Sprintf("runs by worker %v, scheduled jobs enqueued %v", ledger.by, ledger.enqueued)
			ledger.mu.Unlock()
			t.Fatalf("not finished after 30 s: %s", state)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(skewLease) // a lease recovered late would show as a second run

	ledger.mu.Lock()
	defer ledger.mu.Unlock()
	ranWork := make(map[string]int) // worker name -> work jobs run
	for i := range batch {
		id := fmt.Sprintf("work-%02d", i)
		j, err := b.Job(ctx, id)
		must(t, err)
		if j.State != jobs.StateCompleted || j.Attempt != 1 || len(ledger.runs[id]) != 1 {
			t.Errorf("job %s: %s on attempt %d, runs by worker %v; want completed on its only run (error %v)", id, j.State, j.Attempt, ledger.by[id], j.Error)
		}
		for name, n := range ledger.by[id] {
			ranWork[name] += n
		}
	}
	t.Logf("work jobs run by worker: %v", ranWork)
	for _, w := range skewWorkers {
		if ranWork[w.name] == 0 {
			t.Errorf("worker %s ran no work job: the workers did not run side by side", w.name)
		}
	}
	for _, w := range skewWorkers {
		id := "later-" + w.name
		around, ok := ledger.enqueued[id]
		if !ok {
			t.Errorf("%s: the worker did not report enqueueing it", id)
			continue
		}
		runs := ledger.runs[id]
		// The job's due time is stamped inside Enqueue, between the two
		// readings, by a server clock that may lag the server's by a
		// TIME round trip (the due time then comes that much early).
		earliest := around[0].Add(skewDelay - 25*time.Millisecond)
		latest := around[1].Add(skewDelay + time.Second)
		t.Logf("%s (clock %s): started %s after Enqueue began, %d run(s), by %v", id, w.name, runs[0].Sub(around[0]), len(runs), ledger.by[id])
		if len(runs) != 1 || runs[0].Before(earliest) || runs[0].After(latest) {
			t.Errorf("%s: runs at %v after Enqueue began; want one run %s after it (-25 ms, +1 s)", id, durationsSince(around[0], runs), skewDelay)
		}
	}
}

// durationsSince returns how long after start each of times is.
func durationsSince(start time.Time, times []time.Time) []time.Duration {
	out := make([]time.Duration, len(times))
	for i, t := range times {
		out[i] = t.Sub(start)
	}
	return out
}

// skewedChildBackend is the backend of a worker process that a test runs
// by re-running its own binary: on the key prefix in the environment
// variable prefixVar, with the process's wall clock moved by
// JOBS_SKEW_OFFSET. Without prefixVar set it skips the test, which then
// only runs as a child of parent.
func skewedChildBackend(t *testing.T, prefixVar, parent string) *Backend {
	t.Helper()
	prefix := os.Getenv(prefixVar)
	if prefix == "" {
		t.Skip("only runs as a child of " + parent)
	}
	offset, err := time.ParseDuration(os.Getenv(skewOffsetVar))
	must(t, err)
	wallclock.SetOffset(offset)
	b, err := New(WithURL(testenv.RedisURL(t)), WithPrefix(prefix))
	must(t, err)
	return b
}
