package faults

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/runtime"
)

// Config is what the runner gives every scenario.
type Config struct {
	WorkerBin string               // the cmd/faultworker binary
	RedisBin  string               // the redis-server binary
	Dir       string               // scenarios make their directories in it
	Port      func() (int, error)  // a free loopback port for a redis-server
	Logf      func(string, ...any) // progress lines; nil: silent
	Keep      bool                 // keep the files of passed scenarios too
	// DatabaseURL is a PostgreSQL server on which scenarios create
	// databases of their own (StartPostgres); "" when there is none.
	DatabaseURL string
}

// Env is one scenario's world: its directory, its redis-server, a backend
// and client on it, its worker processes and ledger, and what it expects
// of its jobs. Scenarios build on its helpers; the runner audits it after.
type Env struct {
	cfg     Config
	name    string
	dir     string
	ledger  string
	Redis   *RedisServer
	Backend *redis.Backend
	Client  *runtime.Client
	// DB is the scenario's PostgreSQL database, once StartPostgres ran.
	DB *sql.DB
	pg *tenantDB

	mu          sync.Mutex // guards workers and supervisors
	workers     []*Process
	supervisors []*Supervisor

	exp Expectations
	// recovery is the time the scenario measured from its fault to the
	// recovery it defines; negative when it measured none.
	recovery time.Duration
	notes    []string
	closers  []io.Closer // files to close at the end
}

func newEnv(cfg Config, name string) (*Env, error) {
	dir, err := os.MkdirTemp(cfg.Dir, name+"-")
	if err != nil {
		return nil, err
	}
	return &Env{
		cfg: cfg, name: name, dir: dir, ledger: filepath.Join(dir, "ledger"), recovery: -1,
		exp: Expectations{
			Final: map[string]jobs.State{}, MayExist: map[string]jobs.State{},
			AllowedDuplicates: map[string]bool{}, AckLossAllowed: map[string]bool{},
		},
	}, nil
}

// Logf prints a progress line when the runner is verbose.
func (e *Env) Logf(format string, args ...any) {
	if e.cfg.Logf != nil {
		e.cfg.Logf("  %s: "+format, append([]any{e.name}, args...)...)
	}
}

// StartRedis starts the scenario's redis-server with extra arguments (the
// default has no persistence) and connects Backend and Client to it.
func (e *Env) StartRedis(extra ...string) error {
	port, err := e.cfg.Port()
	if err != nil {
		return err
	}
	server, err := startRedis(e.cfg.RedisBin, filepath.Join(e.dir, "redis"), port, extra...)
	if err != nil {
		return err
	}
	e.Redis = server
	e.Backend, err = redis.New(redis.WithURL(e.Redis.URL()), redis.WithLogger(e.runnerLogger()))
	if err != nil {
		return err
	}
	e.Client = runtime.NewClient(e.Backend)
	e.Logf("redis-server pid %d on %s", e.Redis.PID(), e.Redis.Addr())
	return nil
}

// runnerLogger logs the warnings of the runner's backends to the file
// runner.log in the scenario's directory, or nowhere if it cannot be
// opened (the workers' logs hold the same warnings).
func (e *Env) runnerLogger() *slog.Logger {
	f, err := os.OpenFile(filepath.Join(e.dir, "runner.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return slog.New(slog.DiscardHandler)
	}
	e.closers = append(e.closers, f)
	return slog.New(slog.NewTextHandler(f, nil))
}

// StartWorker starts a worker process on the scenario's Redis and ledger.
func (e *Env) StartWorker(o WorkerOptions) (*Process, error) {
	o.RedisURL, o.Ledger = e.Redis.URL(), e.ledger
	if e.pg != nil {
		o.Database = e.pg.url
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	name := fmt.Sprintf("worker-%d", len(e.workers)+1)
	p, err := startProcess(name, e.cfg.WorkerBin, filepath.Join(e.dir, name+".log"), o.Args()...)
	if err != nil {
		return nil, err
	}
	e.workers = append(e.workers, p)
	e.Logf("%s pid %d", name, p.PID())
	return p, nil
}

// StartWorkers starts n worker processes with the same options.
func (e *Env) StartWorkers(n int, o WorkerOptions) ([]*Process, error) {
	var ps []*Process
	for range n {
		p, err := e.StartWorker(o)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// noArgs are the args of jobs that need none.
var noArgs = []byte("{}")

// Enqueue enqueues n jobs of jobType with args and opts, in batches of
// 200 (each stored all or none), and expects each to complete. It returns
// the IDs of the batches stored before an error.
func (e *Env) Enqueue(ctx context.Context, jobType string, n int, args []byte, opts ...jobs.EnqueueOption) ([]string, error) {
	const batch = 200
	ids := make([]string, 0, n)
	for len(ids) < n {
		reqs := make([]runtime.EnqueueRequest, min(batch, n-len(ids)))
		for i := range reqs {
			reqs[i] = runtime.EnqueueRequest{Type: jobType, Args: args, Options: opts}
		}
		list, err := e.Client.EnqueueBatch(ctx, reqs)
		if err != nil {
			return ids, err
		}
		for _, j := range list {
			ids = append(ids, j.ID)
			e.exp.Final[j.ID] = jobs.StateCompleted
		}
	}
	return ids, nil
}

// Expect records that the acknowledged jobs ids must end in state.
func (e *Env) Expect(state jobs.State, ids ...string) {
	for _, id := range ids {
		e.exp.Final[id] = state
	}
}

// MayExist records that the jobs ids, whose enqueue outcome is unknown or
// whose loss is allowed, must end in state if they exist.
func (e *Env) MayExist(state jobs.State, ids ...string) {
	for _, id := range ids {
		delete(e.exp.Final, id)
		e.exp.MayExist[id] = state
	}
}

// AllowDuplicates allows the jobs ids to run successfully more than once.
func (e *Env) AllowDuplicates(ids ...string) {
	for _, id := range ids {
		e.exp.AllowedDuplicates[id] = true
	}
}

// AllowAckLoss allows the stored outcomes of the jobs ids to be lost, so
// that they complete twice (and may run twice).
func (e *Env) AllowAckLoss(ids ...string) {
	for _, id := range ids {
		e.exp.AckLossAllowed[id] = true
		e.exp.AllowedDuplicates[id] = true
	}
}

// SetRecovery records the scenario's recovery time for the table.
func (e *Env) SetRecovery(d time.Duration) { e.recovery = d }

// Note adds a remark to the scenario's row.
func (e *Env) Note(format string, args ...any) {
	e.notes = append(e.notes, fmt.Sprintf(format, args...))
}

// Ledger reads the ledger as it stands.
func (e *Env) Ledger() ([]Event, error) { return ReadLedger(e.ledger) }

// WaitLedger polls the ledger until cond holds, for up to timeout, and
// returns the events cond held on. what names the condition in the error.
func (e *Env) WaitLedger(ctx context.Context, timeout time.Duration, what string, cond func([]Event) bool) ([]Event, error) {
	deadline := time.Now().Add(timeout)
	for {
		events, err := e.Ledger()
		if err != nil {
			return nil, err
		}
		if cond(events) {
			return events, nil
		}
		if time.Now().After(deadline) {
			return events, fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return events, err
		}
	}
}

// WaitDrained waits up to timeout until no job is pending, scheduled,
// retrying or running. Errors reading Stats (the server is down) are
// retried until the timeout.
func (e *Env) WaitDrained(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for {
		callCtx, cancel := context.WithTimeout(ctx, time.Second)
		st, err := e.Backend.Stats(callCtx)
		cancel()
		if err == nil {
			var active int64
			for _, q := range st.Queues {
				active += q.Pending + q.Scheduled + q.Retrying + q.Running
			}
			if active == 0 {
				return nil
			}
			last = fmt.Sprintf("%d jobs still active", active)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("queues not drained after %s: %s", timeout, last)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// stopWorkers ends supervision, terminates the workers still running
// (graceful, then SIGKILL after 10 s) and reports those that did not exit
// cleanly or exited by themselves though the scenario did not end them.
func (e *Env) stopWorkers() error {
	e.mu.Lock()
	supervisors := e.supervisors
	e.mu.Unlock()
	for _, s := range supervisors {
		s.stop() // waits for a restart under way
	}
	e.mu.Lock()
	workers := e.workers
	e.mu.Unlock()
	var errs []error
	for _, w := range workers {
		if w.exitExpected {
			_ = w.Terminate(10 * time.Second)
			continue
		}
		if w.Exited() {
			errs = append(errs, fmt.Errorf("%s (pid %d) exited by itself: %v", w.Name, w.PID(), w.err))
			continue
		}
		if err := w.Terminate(10 * time.Second); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", w.Name, err))
		}
	}
	for _, s := range supervisors {
		<-s.done
		if _, err := s.Restarts(); err != nil {
			errs = append(errs, fmt.Errorf("supervisor: restart worker: %w", err))
		}
	}
	return errors.Join(errs...)
}

// close stops everything the scenario started.
func (e *Env) close() {
	_ = e.stopWorkers()
	if e.Backend != nil {
		_ = e.Backend.Close()
	}
	if e.Redis != nil && !e.Redis.Exited() {
		_ = e.Redis.Kill()
	}
	if e.pg != nil {
		e.pg.close()
		e.pg, e.DB = nil, nil
	}
	for _, c := range e.closers {
		_ = c.Close()
	}
	e.closers = nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
