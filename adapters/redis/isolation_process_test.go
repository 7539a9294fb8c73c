package redis

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
)

// Environment and figures of the crashing-neighbour test: a supervisor (the
// test) restarts a worker process (this test binary, re-run) whenever it
// exits.
const (
	neighbourPrefixVar = "JOBS_NEIGHBOUR_PREFIX" // set: run as a worker on this prefix
	neighbourLedgerVar = "JOBS_NEIGHBOUR_LEDGER" // the ledger file every handler run appends to
	neighbourQueue     = "neighbours"
	neighbourRetries   = 2
	neighbourExitCode  = 3
)

// TestNeighbourWorkerProcess is the worker that TestCrashChargesOnlyTheCrasher
// and TestHungWorkerIsRefundedAndFenced run in child processes: a
// runtime.Pool with 4 slots and a 1 s lease. "healthy" jobs append
// "start <id> <attempt> <pid>" to the ledger, work 200 ms and append
// "done <id> <attempt> <pid>"; "slow" jobs do the same but work 1.5 s and
// return {"pid": <pid>}; the "crash" job appends its start and exits the
// process at once (as os.Exit in a handler, or an OOM kill, would).
// Without the environment variable it does nothing.
func TestNeighbourWorkerProcess(t *testing.T) {
	prefix, ledgerPath := os.Getenv(neighbourPrefixVar), os.Getenv(neighbourLedgerVar)
	if prefix == "" {
		t.Skip("only runs as a child of TestCrashChargesOnlyTheCrasher")
	}
	b, err := New(WithURL(testenv.RedisURL(t)), WithPrefix(prefix))
	must(t, err)
	ledger, err := os.OpenFile(ledgerPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	must(t, err)
	note := func(event string, j jobs.Job) {
		_, err := fmt.Fprintf(ledger, "%s %s %d %d\n", event, j.ID, j.Attempt, os.Getpid())
		must(t, err)
	}
	reg := runtime.NewRegistry()
	must(t, reg.Register("healthy", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		note("start", j)
		time.Sleep(200 * time.Millisecond)
		note("done", j)
		return nil, nil
	}))
	must(t, reg.Register("slow", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		note("start", j)
		time.Sleep(1500 * time.Millisecond) // deaf to ctx, as a hung handler is
		note("done", j)
		return json.RawMessage(fmt.Sprintf(`{"pid":%d}`, os.Getpid())), nil
	}))
	must(t, reg.Register("crash", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		note("start", j)
		os.Exit(neighbourExitCode)
		return nil, nil
	}))
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{
		Queues:            map[string]int{neighbourQueue: 4},
		Lease:             time.Second,
		SchedulerInterval: 50 * time.Millisecond,
		Retry:             jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond, Jitter: jobs.NoJitter},
	})
	must(t, err)
	must(t, pool.Start(context.Background()))
	select {} // until the supervisor stops it, or the crash job exits
}

// TestCrashChargesOnlyTheCrasher runs 3 healthy jobs and 1 job that exits
// its process on a 4-slot worker that a supervisor restarts on every exit.
// Only the crashing job may lose attempts: the 3 healthy ones complete,
// the crasher reaches the dead-letter queue after max_retries+1 attempts
// charged, and no job is lost.
func TestCrashChargesOnlyTheCrasher(t *testing.T) {
	if os.Getenv(neighbourPrefixVar) != "" {
		t.Skip("running as a worker")
	}
	b := newTestBackend(t, nil)
	ctx := context.Background()
	clock := runtime.SystemClock{}
	healthy := []string{"healthy-1", "healthy-2", "healthy-3"}
	var batch []jobs.Job
	for _, id := range append([]string{"crasher"}, healthy...) {
		j := job(t, clock, id, neighbourQueue, jobs.WithMaxRetries(neighbourRetries))
		j.Type = "healthy"
		if id == "crasher" {
			j.Type = "crash"
		}
		batch = append(batch, j)
	}
	must(t, b.Enqueue(ctx, batch...)) // one worker leases all four together
	ledgerPath := filepath.Join(t.TempDir(), "ledger")
	logPath := filepath.Join(t.TempDir(), "workers.log")
	logs, err := os.Create(logPath)
	must(t, err)
	defer logs.Close()

	finished := func() bool {
		for _, j := range batch {
			got, err := b.Job(ctx, j.ID)
			if err != nil || !got.State.Terminal() {
				return false
			}
		}
		return true
	}
	start := time.Now()
	deadline := start.Add(40 * time.Second)
	starts, crashes := 0, 0
	for !finished() && time.Now().Before(deadline) {
		cmd := neighbourWorker(b, ledgerPath, logs)
		must(t, cmd.Start())
		starts++
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
	watch:
		for {
			select {
			case err = <-exited:
				break watch
			case <-time.After(50 * time.Millisecond):
				if finished() || time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					<-exited
					break watch
				}
			}
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == neighbourExitCode {
			crashes++
		} else if err != nil {
			t.Fatalf("worker %d ended with %v; see %s", starts, err, logPath)
		}
	}
	elapsed := time.Since(start)
	ran, done := readNeighbourLedger(t, ledgerPath)
	t.Logf("drained in %s: %d worker starts, %d crashes; handler runs %v, completed runs %v", elapsed.Round(time.Millisecond), starts, crashes, ran, done)

	for _, id := range healthy {
		j, err := b.Job(ctx, id)
		if err != nil || j.State != jobs.StateCompleted {
			t.Errorf("healthy job %s: %s at attempt %d, error %+v, %v; want completed", id, j.State, j.Attempt, j.Error, err)
		}
		if done[id] != 1 {
			t.Errorf("healthy job %s completed %d runs in the ledger, want 1", id, done[id])
		}
	}
	crasher, err := b.Job(ctx, "crasher")
	if err != nil || crasher.State != jobs.StateFailed || crasher.Error == nil || crasher.Error.Type != jobs.ErrorTypeLeaseExpired {
		t.Fatalf("crasher: %s, error %+v, %v; want failed with lease_expired", crasher.State, crasher.Error, err)
	}
	if crasher.Attempt-crasher.Refunded != neighbourRetries+1 || ran["crasher"] != crasher.Attempt {
		t.Errorf("crasher: attempt %d, refunded %d, %d runs in the ledger; want %d attempts charged, one run per attempt",
			crasher.Attempt, crasher.Refunded, ran["crasher"], neighbourRetries+1)
	}
	dead, err := b.DeadLetters(ctx, jobs.DeadLetterQuery{Queue: neighbourQueue})
	if err != nil || len(dead) != 1 || dead[0].ID != "crasher" {
		t.Errorf("dead letters %v, %v; want only the crasher", ids(dead), err)
	}
	if crashes != ran["crasher"] {
		t.Errorf("%d worker crashes for %d runs of the crasher", crashes, ran["crasher"])
	}
}

// neighbourWorker returns the command of a worker process
// (TestNeighbourWorkerProcess) on b's prefix that logs to logs.
func neighbourWorker(b *Backend, ledgerPath string, logs io.Writer) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestNeighbourWorkerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), neighbourPrefixVar+"="+b.prefix, neighbourLedgerVar+"="+ledgerPath)
	cmd.Stdout, cmd.Stderr = logs, logs
	return cmd
}

// ledgerEntry is one line of the neighbour workers' ledger.
type ledgerEntry struct {
	event, id    string
	attempt, pid int
}

// readLedger returns the entries of the ledger at path.
func readLedger(t *testing.T, path string) []ledgerEntry {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	must(t, err)
	defer f.Close()
	var entries []ledgerEntry
	s := bufio.NewScanner(f)
	for s.Scan() {
		var e ledgerEntry
		if _, err := fmt.Sscanf(s.Text(), "%s %s %d %d", &e.event, &e.id, &e.attempt, &e.pid); err != nil {
			t.Fatalf("ledger line %q: %v", s.Text(), err)
		}
		entries = append(entries, e)
	}
	must(t, s.Err())
	return entries
}

// readNeighbourLedger counts the handler runs of each job in the ledger
// and those that completed.
func readNeighbourLedger(t *testing.T, path string) (ran, done map[string]int) {
	ran, done = make(map[string]int), make(map[string]int)
	for _, e := range readLedger(t, path) {
		switch e.event {
		case "start":
			ran[e.id]++
		case "done":
			done[e.id]++
		}
	}
	return ran, done
}
