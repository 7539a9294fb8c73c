package faults

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/jobsgo/jobs"
)

// Scenario is one entry of the suite.
type Scenario struct {
	Name    string
	Summary string // one line: the fault and what must hold
	// Timeout bounds Run; default 90 s.
	Timeout time.Duration
	// Run starts the scenario's servers and workers, enqueues its jobs,
	// inflicts its fault, records its expectations and waits until its
	// jobs are done. The runner then stops the workers and audits.
	Run func(ctx context.Context, e *Env) error
}

// Row is the outcome of one scenario: a line of the table.
type Row struct {
	Scenario string
	Result   Result
	Recovery time.Duration // negative: not measured
	Notes    []string
	Err      error // the scenario could not run to its end
	Took     time.Duration
	Dir      string // its files, kept when it failed
}

// Passed reports whether the scenario ran to its end and its audit passed.
func (r Row) Passed() bool { return r.Err == nil && r.Result.Passed() }

// RunScenario runs sc, stops its workers and audits what it left.
func RunScenario(ctx context.Context, cfg Config, sc Scenario) Row {
	start := time.Now()
	row := Row{Scenario: sc.Name, Recovery: -1}
	e, err := newEnv(cfg, sc.Name)
	if err != nil {
		row.Err = err
		return row
	}
	row.Dir = e.dir
	defer e.close()
	timeout := sc.Timeout
	if timeout == 0 {
		timeout = 90 * time.Second
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	err = sc.Run(runCtx, e)
	cancel()
	row.Err = errors.Join(err, e.stopWorkers())
	row.Recovery, row.Notes = e.recovery, e.notes
	switch {
	case e.Redis == nil:
	case e.Redis.Exited():
		row.Err = errors.Join(row.Err, errors.New("redis-server is not running: no audit"))
	default:
		_ = e.Redis.Signal(syscall.SIGCONT) // a scenario that failed may have left it stopped
		row.Result, err = e.audit(ctx)
		row.Err = errors.Join(row.Err, err)
	}
	row.Took = time.Since(start)
	if row.Passed() && !cfg.Keep {
		e.close()
		_ = os.RemoveAll(e.dir)
		row.Dir = ""
	}
	return row
}

// audit reads the ledger and the backend's jobs and audits them.
func (e *Env) audit(ctx context.Context) (Result, error) {
	events, err := e.Ledger()
	if err != nil {
		return Result{}, fmt.Errorf("audit: %w", err)
	}
	snap, err := e.snapshot(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("audit: %w", err)
	}
	return Audit(e.exp, snap, events), nil
}

// snapshot reads every job of the scenario by ID, lists every queue in
// every state, and reads Stats.
func (e *Env) snapshot(ctx context.Context) (Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	snap := Snapshot{Jobs: map[string]jobs.Job{}, Listed: map[string][]jobs.State{}}
	read := func(id string) error {
		job, err := e.Backend.Job(ctx, id)
		switch {
		case errors.Is(err, jobs.ErrJobNotFound):
			return nil
		case err != nil:
			return fmt.Errorf("read job %s: %w", id, err)
		}
		snap.Jobs[id] = job
		return nil
	}
	for id := range e.exp.Final {
		if err := read(id); err != nil {
			return snap, err
		}
	}
	for id := range e.exp.MayExist {
		if err := read(id); err != nil {
			return snap, err
		}
	}
	var err error
	if snap.Stats, err = e.Backend.Stats(ctx); err != nil {
		return snap, fmt.Errorf("read stats: %w", err)
	}
	for _, q := range snap.Stats.Queues {
		for _, state := range jobs.States {
			query := jobs.JobQuery{Queue: q.Name, State: state, Limit: jobs.MaxPageSize}
			for {
				page, err := e.Backend.ListJobs(ctx, query)
				if err != nil {
					return snap, fmt.Errorf("list %s jobs of queue %s: %w", state, q.Name, err)
				}
				for _, j := range page.Jobs {
					snap.Listed[j.ID] = append(snap.Listed[j.ID], state)
				}
				if page.NextCursor == "" {
					break
				}
				query.Cursor = page.NextCursor
			}
		}
	}
	return snap, nil
}
