package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// TestHungWorkerIsRefundedAndFenced stops a worker process (SIGSTOP) while
// its handler runs, past its 1 s lease: another worker recovers the job
// with the attempt refunded (nothing says the job hung the process) and
// runs it again alone; the stopped worker, resumed, finishes its handler
// but its late outcome is refused, so the job keeps the outcome of the
// attempt that holds it.
func TestHungWorkerIsRefundedAndFenced(t *testing.T) {
	if os.Getenv(neighbourPrefixVar) != "" {
		t.Skip("running as a worker")
	}
	b := newTestBackend(t, nil)
	ctx := context.Background()
	slow := job(t, runtime.SystemClock{}, "slow", neighbourQueue, jobs.WithMaxRetries(0))
	slow.Type = "slow"
	must(t, b.Enqueue(ctx, slow))
	dir := t.TempDir()
	ledgerPath := filepath.Join(dir, "ledger")
	var hungLog, healthyLog bytes.Buffer
	hung := neighbourWorker(b, ledgerPath, &hungLog)
	must(t, hung.Start())
	t.Cleanup(func() {
		_ = hung.Process.Signal(syscall.SIGCONT)
		_ = hung.Process.Kill()
		_ = hung.Wait()
	})
	waitLedger(t, ledgerPath, ledgerEntry{"start", "slow", 1, hung.Process.Pid})
	must(t, hung.Process.Signal(syscall.SIGSTOP))
	stopped := time.Now()

	healthy := neighbourWorker(b, ledgerPath, &healthyLog)
	must(t, healthy.Start())
	t.Cleanup(func() {
		_ = healthy.Process.Kill()
		_ = healthy.Wait()
	})
	waitLedger(t, ledgerPath, ledgerEntry{"start", "slow", 2, healthy.Process.Pid})
	recovered := time.Since(stopped)
	must(t, hung.Process.Signal(syscall.SIGCONT))
	waitLedger(t, ledgerPath, ledgerEntry{"done", "slow", 1, hung.Process.Pid})
	waitLedger(t, ledgerPath, ledgerEntry{"done", "slow", 2, healthy.Process.Pid})
	var got jobs.Job
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		got, err = b.Job(ctx, "slow")
		must(t, err)
		if got.State.Terminal() || time.Now().After(deadline) {
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // the resumed worker's Ack has been tried by now
	got, err := b.Job(ctx, "slow")
	must(t, err)
	var result struct{ PID int }
	_ = json.Unmarshal(got.Result, &result)
	t.Logf("recovered by the second worker %s after the SIGSTOP; job %s at attempt %d, refunded %d, result %s",
		recovered.Round(time.Millisecond), got.State, got.Attempt, got.Refunded, got.Result)
	if got.State != jobs.StateCompleted || got.Attempt != 2 || got.Refunded != 1 || got.Charged() != 1 || result.PID != healthy.Process.Pid {
		t.Errorf("job: %s at attempt %d, refunded %d, result %s; want completed at attempt 2 (1 refunded) with the result of pid %d",
			got.State, got.Attempt, got.Refunded, got.Result, healthy.Process.Pid)
	}
	_ = hung.Process.Kill()
	_ = hung.Wait()
	if !bytes.Contains(hungLog.Bytes(), []byte("lease lost")) {
		t.Errorf("the resumed worker did not log its lost lease:\n%s", hungLog.String())
	}
	if got := readLedger(t, ledgerPath); len(got) != 4 {
		t.Errorf("ledger %v, want 2 starts and 2 completions", got)
	}
}

// waitLedger waits up to 10 s for want to appear in the ledger at path.
func waitLedger(t *testing.T, path string, want ledgerEntry) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, e := range readLedger(t, path) {
			if e == want {
				return
			}
		}
	}
	t.Fatalf("%+v not in the ledger within 10 s: %v", want, readLedger(t, path))
}
