package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/plural"
	"github.com/jobsgo/jobs/runtime"
)

// watcher follows the demo's jobs and prints every state change it sees.
// It polls the backend every few milliseconds, as an admin UI would.
type watcher struct {
	backend jobs.Backend
	out     io.Writer
	start   time.Time

	mu      sync.Mutex
	names   []string
	jobs    map[string]jobs.Job // by demo name
	stopped bool
}

func newWatcher(backend jobs.Backend, out io.Writer) *watcher {
	return &watcher{backend: backend, out: out, start: time.Now(), jobs: make(map[string]jobs.Job)}
}

// track starts following job under a readable name.
func (w *watcher) track(name string, job jobs.Job) {
	w.mu.Lock()
	w.names = append(w.names, name)
	w.mu.Unlock()
	w.observe(name, job)
}

// observe records what is known of a job and prints a change of state.
func (w *watcher) observe(name string, job jobs.Job) {
	w.mu.Lock()
	prev, seen := w.jobs[name]
	w.jobs[name] = job
	stopped := w.stopped
	w.mu.Unlock()
	if stopped || (seen && prev.State == job.State && prev.Attempt == job.Attempt) {
		return
	}
	detail := ""
	switch job.State {
	case jobs.StateScheduled:
		detail = "runs at +" + w.since(job.ExecuteAt)
	case jobs.StateRunning:
		detail = fmt.Sprintf("attempt %d of %d", job.Attempt, job.MaxRetries+1)
	case jobs.StateRetrying:
		detail = fmt.Sprintf("attempt %d failed: %s; retry at +%s", job.Attempt, job.Error.Message, w.since(job.ExecuteAt))
	case jobs.StateFailed:
		detail = fmt.Sprintf("after %s: %s [%s] -> dead-letter queue", plural.Count(job.Attempt, "attempt", "attempts"), job.Error.Message, job.Error.Type)
	case jobs.StateCompleted:
		detail = "result " + string(job.Result)
	}
	w.printf(name, job.ID, "%-9s %s", job.State, detail)
}

func (w *watcher) since(t time.Time) string {
	return fmt.Sprintf("%.3fs", t.Sub(w.start).Seconds())
}

// printf prints one line of the demo's log.
func (w *watcher) printf(name, id, format string, args ...any) {
	short := id
	if len(short) > 8 {
		short = short[len(short)-8:]
	}
	fmt.Fprintf(w.out, "+%6.3fs  %-18s %-8s  %s\n", time.Since(w.start).Seconds(), name, short, fmt.Sprintf(format, args...))
}

// middleware reports each attempt as it starts, so that running shows
// even for jobs that finish between two polls.
func (w *watcher) middleware(next runtime.Handler) runtime.Handler {
	return func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		if name := w.nameOf(j.ID); name != "" {
			w.observe(name, j)
		}
		return next(ctx, j)
	}
}

func (w *watcher) nameOf(id string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for name, j := range w.jobs {
		if j.ID == id {
			return name
		}
	}
	return ""
}

// run polls the tracked jobs until ctx is done or stop is called.
func (w *watcher) run(ctx context.Context) {
	for ctx.Err() == nil && !w.isStopped() {
		for _, name := range w.tracked() {
			if job, err := w.backend.Job(ctx, w.job(name).ID); err == nil {
				w.observe(name, job)
			}
		}
		_ = sleep(ctx, 3*time.Millisecond)
	}
}

func (w *watcher) tracked() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.names...)
}

func (w *watcher) isStopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped
}

func (w *watcher) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

// job is the latest state seen of the named job.
func (w *watcher) job(name string) jobs.Job {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.jobs[name]
}

// waitAll waits until every tracked job has finished.
func (w *watcher) waitAll(ctx context.Context) error {
	for {
		pending := ""
		for _, name := range w.tracked() {
			job, err := w.backend.Job(ctx, w.job(name).ID)
			if err != nil {
				return err
			}
			w.observe(name, job)
			if !job.State.Terminal() {
				pending = name
			}
		}
		if pending == "" {
			return nil
		}
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for %s: %w", pending, err)
		}
	}
}

// expect checks how the named job ended.
func (w *watcher) expect(name string, state jobs.State, attempts int) error {
	job := w.job(name)
	if job.State != state || job.Attempt != attempts {
		return fmt.Errorf("%s ended %s after %s, want %s after %d", name, job.State, plural.Count(job.Attempt, "attempt", "attempts"), state, attempts)
	}
	return nil
}

var errNoDatabase = errors.New("tenant jobs need a PostgreSQL database: set DATABASE_URL")
