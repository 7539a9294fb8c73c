package redis

import (
	"bytes"
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// TestFrozenIdleWorkerTakesNothing stops an idle worker process (SIGSTOP)
// while its fetcher waits for jobs, and starts another: a job enqueued
// then runs on the other worker at its first attempt. The stopped worker,
// whose wait on the server goes on, must not have the job leased to it:
// the take pipelined behind its wait runs on the server the moment an
// enqueue ends the wait, and would hold the job until its lease expired,
// but finds the call's live key expired (see liveTTL) and passes the
// wake-up on.
func TestFrozenIdleWorkerTakesNothing(t *testing.T) {
	b := newTestBackend(t, nil)
	ctx := context.Background()
	clock := runtime.SystemClock{}
	ledgerPath := filepath.Join(t.TempDir(), "ledger")
	start := func(name string) int {
		var logs bytes.Buffer
		w := neighbourWorker(b, ledgerPath, &logs)
		must(t, w.Start())
		t.Cleanup(func() {
			_ = w.Process.Signal(syscall.SIGCONT)
			_ = w.Process.Kill()
			_ = w.Wait()
			if t.Failed() {
				t.Logf("%s worker's output:\n%s", name, logs.String())
			}
		})
		return w.Process.Pid
	}
	enqueue := func(id string) {
		j := job(t, clock, id, neighbourQueue, jobs.WithMaxRetries(0))
		j.Type = "healthy"
		must(t, b.Enqueue(ctx, j))
	}

	frozen := start("frozen")
	enqueue("warm-up")
	waitLedger(t, ledgerPath, ledgerEntry{"done", "warm-up", 1, frozen})
	time.Sleep(300 * time.Millisecond) // its fetcher waits on the server again
	must(t, syscall.Kill(frozen, syscall.SIGSTOP))

	healthy := start("healthy")
	time.Sleep(500 * time.Millisecond) // its fetcher waits too, behind the frozen one's
	enqueue("after")
	waitLedger(t, ledgerPath, ledgerEntry{"start", "after", 1, healthy})
}
