package redis

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
)

// Environment of a crash-test worker process (this test binary, re-run).
const (
	crashPrefixVar = "JOBS_CRASH_PREFIX" // set: run as a worker on this prefix
	// crashServerVar names the deployment the worker uses: Standalone or
	// one of deployments.
	crashServerVar = "JOBS_CRASH_SERVER"
	crashLease     = time.Second
)

// TestCrashWorkerProcess is the worker that TestCrashRecovery runs in child
// processes: it leases up to 8 jobs at a time, "works" 2 ms on each, acks
// it, and recovers expired leases every 100 ms. It prints "got <id>" when
// it leases a job and "done <id>" once the Ack is stored. Without the
// environment variable it does nothing.
func TestCrashWorkerProcess(t *testing.T) {
	prefix := os.Getenv(crashPrefixVar)
	if prefix == "" {
		t.Skip("only runs as a child of TestCrashRecovery")
	}
	b, err := New(append(crashServers(t, os.Getenv(crashServerVar)), WithPrefix(prefix))...)
	must(t, err)
	ctx := context.Background()
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			_, _ = b.RecoverExpired(ctx)
		}
	}()
	out := bufio.NewWriter(os.Stdout)
	for {
		list, err := b.Dequeue(ctx, "crash", 8, crashLease)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range list {
			fmt.Fprintf(out, "got %s\n", j.ID)
		}
		must(t, out.Flush())
		for _, j := range list {
			time.Sleep(2 * time.Millisecond)
			done, _ := j.Complete(nil, time.Now())
			if err := b.Ack(ctx, done); err == nil {
				fmt.Fprintf(out, "done %s\n", j.ID)
				must(t, out.Flush())
			}
		}
	}
}

// crashServers returns the options naming the deployment called name:
// Standalone (the test server) or one of deployments.
func crashServers(t testing.TB, name string) []Option {
	for _, d := range deployments {
		if d.name == name {
			return d.servers(t)
		}
	}
	return []Option{WithURL(testenv.RedisURL(t))}
}

// TestCrashRecovery runs three worker processes on 3000 jobs, SIGKILLs one
// while it holds leased jobs, and checks that the survivors finish every
// job: none lost, and only the killed worker's unacknowledged jobs run
// twice; on a standalone server, a real Redis Cluster and under Sentinel.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashPrefixVar) != "" {
		t.Skip("running as a worker")
	}
	names := []string{"Standalone"}
	for _, d := range deployments {
		names = append(names, d.name)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) { crashRecovery(t, name) })
	}
}

// crashRecovery is TestCrashRecovery on the deployment called name.
func crashRecovery(t *testing.T, name string) {
	b := newTestBackendOn(t, nil, crashServers(t, name))
	ctx := context.Background()
	const total = 3000
	clock := runtime.SystemClock{}
	batch := make([]jobs.Job, total)
	for i := range batch {
		batch[i] = job(t, clock, fmt.Sprintf("job-%04d", i), "crash")
	}
	must(t, b.Enqueue(ctx, batch...))

	type event struct {
		worker int
		kind   string
		id     string
	}
	events := make(chan event, 4*total)
	var procs []*exec.Cmd
	victimGone := make(chan struct{}) // closed when the victim's output ends
	for w := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWorkerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashPrefixVar+"="+b.prefix, crashServerVar+"="+name)
		stdout, err := cmd.StdoutPipe()
		must(t, err)
		must(t, cmd.Start())
		procs = append(procs, cmd)
		go func() {
			if w == 0 {
				defer close(victimGone)
			}
			s := bufio.NewScanner(stdout)
			for s.Scan() {
				if kind, id, ok := strings.Cut(s.Text(), " "); ok && (kind == "got" || kind == "done") {
					events <- event{w, kind, id}
				}
			}
		}()
	}
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.Process.Kill()
			_ = p.Wait()
		}
	})

	got := make(map[string]int)       // deliveries per job
	inFlight := make(map[string]bool) // the victim's leased jobs it did not report done
	done := make(map[string]bool)
	victimDone, killed := 0, false
	deadline := time.After(60 * time.Second)
	for len(done) < total {
		select {
		case e := <-events:
			switch e.kind {
			case "got":
				got[e.id]++
				if e.worker == 0 {
					inFlight[e.id] = true
				}
			case "done":
				done[e.id] = true
				if e.worker == 0 {
					delete(inFlight, e.id)
					victimDone++
				}
			}
			if !killed && victimDone >= 200 && len(inFlight) > 0 {
				must(t, procs[0].Process.Signal(syscall.SIGKILL))
				killed = true
			}
		case <-deadline:
			t.Fatalf("only %d of %d jobs done within a minute (killed: %v)", len(done), total, killed)
		}
	}
	if !killed {
		t.Fatal("the victim finished nothing before the others drained the queue")
	}
	// Account for what the victim wrote before it died but was not read yet.
	<-victimGone
	for len(events) > 0 {
		e := <-events
		if e.kind == "got" {
			got[e.id]++
		}
		if e.worker == 0 {
			if e.kind == "got" {
				inFlight[e.id] = true
			} else {
				delete(inFlight, e.id)
			}
		}
	}

	var dups []string
	for id, n := range got {
		if n > 1 {
			dups = append(dups, id)
			if !inFlight[id] || n > 2 {
				t.Errorf("job %s ran %d times but the killed worker did not hold it", id, n)
			}
		}
	}
	for i := range total {
		id := fmt.Sprintf("job-%04d", i)
		j, err := b.Job(ctx, id)
		if err != nil || j.State != jobs.StateCompleted {
			t.Errorf("job %s: %s, %v; want completed", id, j.State, err)
		}
	}
	st, err := b.Stats(ctx)
	must(t, err)
	t.Logf("%d jobs, victim killed after %d acks holding %d leased jobs; %d ran twice; processed %d, succeeded %d, failed (expired leases) %d",
		total, victimDone, len(inFlight), len(dups), st.Processed, st.Succeeded, st.Failed)
	if st.Succeeded != total || int(st.Failed) != len(dups) || len(dups) > len(inFlight) {
		t.Errorf("figures: %+v; want %d succeeded and one failed attempt per job run twice (%d, at most %d)", st, total, len(dups), len(inFlight))
	}
}
