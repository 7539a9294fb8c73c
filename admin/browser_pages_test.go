package admin_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/chromedp/chromedp"

	"github.com/jobsgo/jobs/runtime"
)

// browseJobAndWorkers is the browser test's walk through the job and
// workers pages of the dashboard at url on b, after the dead letter
// r-dead-1 was retried (x-xss is the one dead letter left).
func browseJobAndWorkers(t *testing.T, ctx context.Context, url string, b jobs.Backend, run func(*testing.T, ...chromedp.Action)) {
	var text, loc string

	t.Run("job page shows args, error and stack as text", func(t *testing.T) {
		var args, stack, trace string
		var imgs, scripts int
		run(t, chromedp.Navigate(url+"dead"), chromedp.Click(`tr[data-job="x-xss"] a`, chromedp.ByQuery),
			chromedp.WaitVisible("#job", chromedp.ByQuery), chromedp.Location(&loc),
			chromedp.Text("#state", &text, chromedp.ByQuery),
			chromedp.Text("#args", &args, chromedp.ByQuery),
			chromedp.Text("#stack", &stack, chromedp.ByQuery),
			chromedp.Text("dd.meta", &trace, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll("main img").length`, &imgs),
			chromedp.Evaluate(`document.querySelectorAll("main script").length`, &scripts))
		if loc != url+"job/x-xss" || text != "failed" {
			t.Fatalf("the dead letter's link went to %s showing state %q, want %sjob/x-xss, failed", loc, text, url)
		}
		// The args were stored as encoding/json writes them (<, > and & as
		// \u003c, ...); the page shows those characters as written.
		if want := "{\n  \"name\": " + jsonStringAsWritten(xss) + "\n}"; args != want {
			t.Errorf("args %q, want %q", args, want)
		}
		if stack != stackOf(xss) || trace != "trace-x-xss" || imgs != 0 || scripts != 0 {
			t.Errorf("stack %q (want %q), trace ID %q, %d img, %d script elements in main", stack, stackOf(xss), trace, imgs, scripts)
		}
		run(t, chromedp.Text("#error", &text, chromedp.ByQuery))
		if text != xss {
			t.Errorf("error %q, want the payload as text", text)
		}
		screenshot(t, ctx, "job")
	})

	t.Run("retry from the job page", func(t *testing.T) {
		run(t, chromedp.Click("#retry", chromedp.ByQuery), chromedp.WaitVisible("#cancel", chromedp.ByQuery),
			chromedp.Text("#state", &text, chromedp.ByQuery), chromedp.Location(&loc))
		if text != "pending" || loc != url+"job/x-xss" {
			t.Fatalf("after Retry at %s, state %q; want the job page, pending", loc, text)
		}
		if j, err := b.Job(t.Context(), "x-xss"); err != nil || j.State != jobs.StatePending {
			t.Fatalf("x-xss after Retry: %v, %v; want pending", j.State, err)
		}
	})

	t.Run("unknown job", func(t *testing.T) {
		run(t, chromedp.Navigate(url+"job/no-such-job"), chromedp.Text(".error", &text, chromedp.ByQuery))
		if text != "Job not found" {
			t.Fatalf("unknown job's page says %q", text)
		}
	})

	t.Run("workers page shows a running pool", func(t *testing.T) {
		pool, release := blockingPool(t, b)
		run(t, chromedp.Navigate(url+"workers"),
			chromedp.Text(`section[data-process="`+pool.ProcessID()+`"] .queues`, &text, chromedp.ByQuery))
		if text != "blocking" {
			t.Errorf("process %s serves %q, want blocking", pool.ProcessID(), text)
		}
		screenshot(t, ctx, "workers")
		run(t, chromedp.Click(`td.current a`, chromedp.ByQuery), chromedp.WaitVisible("#job", chromedp.ByQuery),
			chromedp.Location(&loc), chromedp.Text("#state", &text, chromedp.ByQuery))
		if loc != url+"job/w-block" || text != "running" {
			t.Errorf("current job link went to %s, state %q; want %sjob/w-block, running", loc, text, url)
		}
		release()
	})

	t.Run("pausing a queue stops its workers taking jobs", func(t *testing.T) {
		ran := countingPool(t, b, "pausable")
		client := runtime.NewClient(b)
		enqueue := func(id string) {
			t.Helper()
			if _, err := client.Enqueue(t.Context(), "dash.count", nil, jobs.WithJobID(id), jobs.WithQueue("pausable")); err != nil {
				t.Fatal(err)
			}
		}
		enqueue("p-before") // the queue shows on the overview once it has a job
		waitRan(t, ran, "p-before", stepTimeout)
		row := `tr[data-queue="pausable"]`
		run(t, chromedp.Navigate(url), chromedp.Click(row+` button.action`, chromedp.ByQuery),
			chromedp.WaitVisible(row+` .paused`, chromedp.ByQuery))
		enqueue("p-paused")
		select {
		case id := <-ran:
			t.Fatalf("job %s ran on a queue paused from the dashboard", id)
		case <-time.After(time.Second):
		}
		if j, err := b.Job(t.Context(), "p-paused"); err != nil || j.State != jobs.StatePending {
			t.Fatalf("p-paused after 1 s on a paused queue: %v (err %v), want pending", j.State, err)
		}
		run(t, chromedp.Click(row+` button.action`, chromedp.ByQuery),
			chromedp.WaitNotPresent(row+` .paused`, chromedp.ByQuery))
		waitRan(t, ran, "p-paused", stepTimeout)
	})
}

// countingPool starts a pool serving queue with two workers on b, whose
// handler of type dash.count sends each job's ID on the returned channel.
func countingPool(t *testing.T, b jobs.Backend, queue string) <-chan string {
	t.Helper()
	ran := make(chan string, 16)
	reg := runtime.NewRegistry()
	if err := reg.Register("dash.count", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		ran <- j.ID
		return nil, nil
	}, runtime.WithHandlerQueue(queue)); err != nil {
		t.Fatal(err)
	}
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{Queues: map[string]int{queue: 2}, DisableScheduler: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pool.Shutdown(context.Background()); err != nil {
			t.Errorf("pool shutdown: %v", err)
		}
	})
	return ran
}

// waitRan waits up to d for the handler of countingPool to run job id.
func waitRan(t *testing.T, ran <-chan string, id string, d time.Duration) {
	t.Helper()
	select {
	case got := <-ran:
		if got != id {
			t.Fatalf("job %s ran, want %s", got, id)
		}
	case <-time.After(d):
		t.Fatalf("job %s did not run in %s", id, d)
	}
}

// blockingPool starts a pool serving queue "blocking" with two workers on
// b, enqueues job w-block whose handler blocks until release is called,
// and waits for the backend to report a worker running it.
func blockingPool(t *testing.T, b jobs.Backend) (*runtime.Pool, func()) {
	t.Helper()
	reg := runtime.NewRegistry()
	started, unblock := make(chan struct{}), make(chan struct{})
	if err := reg.Register("dash.block", func(ctx context.Context, _ jobs.Job) (json.RawMessage, error) {
		close(started)
		select {
		case <-unblock:
		case <-ctx.Done():
		}
		return nil, nil
	}, runtime.WithHandlerQueue("blocking")); err != nil {
		t.Fatal(err)
	}
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{Queues: map[string]int{"blocking": 2}, Lease: 300 * time.Millisecond, DisableScheduler: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { close(unblock) }) }
	t.Cleanup(func() {
		release()
		if err := pool.Shutdown(context.Background()); err != nil {
			t.Errorf("pool shutdown: %v", err)
		}
	})
	if _, err := runtime.NewClient(b).Enqueue(t.Context(), "dash.block", nil, jobs.WithJobID("w-block"), jobs.WithQueue("blocking")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(stepTimeout):
		t.Fatal("the pool did not start w-block")
	}
	for deadline := time.Now().Add(stepTimeout); ; time.Sleep(20 * time.Millisecond) {
		s, err := b.Stats(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range s.Workers {
			if w.ProcessID == pool.ProcessID() && w.JobID == "w-block" {
				return pool, release
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no worker of %s reports running w-block: %+v", pool.ProcessID(), s.Workers)
		}
	}
}
