package faults

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/jobsgo/jobs"
)

// workerSIGKILL kills one of three workers while it holds jobs. Its
// leased jobs may run again (their leases expire); no other job may.
func workerSIGKILL(ctx context.Context, e *Env) error {
	ws, err := startDrain(ctx, e, 600, 3, workers())
	if err != nil {
		return err
	}
	victim := ws[0]
	held, killedAt, err := killHolding(ctx, e, victim, 50)
	if err != nil {
		return err
	}
	e.Note("the killed worker held %d jobs", len(held))
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	return recordRestart(e, held, victim, killedAt)
}

// killHolding SIGKILLs worker p once it has stored acks outcomes and
// holds a job, allows the jobs it held to run again and returns them and
// when it was killed.
func killHolding(ctx context.Context, e *Env, p *Process, acks int) (held []string, killedAt time.Time, err error) {
	if err := waitHolding(ctx, e, p, acks); err != nil {
		return nil, killedAt, err
	}
	p.ExpectExit()
	killedAt = time.Now()
	if err := p.Signal(syscall.SIGKILL); err != nil {
		return nil, killedAt, err
	}
	_ = p.Wait(5 * time.Second)
	if !p.Exited() {
		return nil, killedAt, fmt.Errorf("%s survived SIGKILL", p.Name)
	}
	events, err := e.Ledger()
	if err != nil {
		return nil, killedAt, err
	}
	held = Unacked(events, p.PID(), time.Now())
	e.AllowDuplicates(held...)
	return held, killedAt, nil
}

// workerSIGSTOP stops a worker for three leases while it holds jobs. Its
// leased jobs are recovered and run elsewhere; once continued, its acks of
// them must be refused.
func workerSIGSTOP(ctx context.Context, e *Env) error {
	ws, err := startDrain(ctx, e, 600, 3, workers())
	if err != nil {
		return err
	}
	victim := ws[0]
	if err := waitHolding(ctx, e, victim, 50); err != nil {
		return err
	}
	stoppedAt := time.Now()
	if err := victim.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	if !victim.WaitState('T', 5*time.Second) {
		return fmt.Errorf("%s did not stop on SIGSTOP", victim.Name)
	}
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	held := Unacked(events, victim.PID(), time.Now())
	e.AllowDuplicates(held...)
	if err := sleep(ctx, 3*time.Second); err != nil {
		return err
	}
	continuedAt := time.Now()
	if err := victim.Signal(syscall.SIGCONT); err != nil {
		return err
	}
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	// A graceful stop lets the continued worker finish what it ran while
	// stopped and try to store it.
	victim.ExpectExit()
	if err := victim.Terminate(10 * time.Second); err != nil {
		return fmt.Errorf("%s after SIGCONT and SIGTERM: %w", victim.Name, err)
	}
	events, err = e.Ledger()
	if err != nil {
		return err
	}
	// Jobs leased to the victim whose handlers had not started when it
	// stopped are not among held: they show as runs it began after SIGCONT
	// of attempts others had gone past.
	unstarted := Superseded(events, victim.PID(), continuedAt)
	e.AllowDuplicates(unstarted...)
	held = append(held, unstarted...)
	e.Note("the stopped worker held %d jobs (%d not started when it stopped); %d of its acks refused after SIGCONT",
		len(held), len(unstarted), countAfter(events, EventAck, victim.PID(), false, continuedAt))
	return recordRestart(e, held, victim, stoppedAt)
}

// countAfter counts the events of kind with result ok by pid after t.
func countAfter(events []Event, kind string, pid int, ok bool, t time.Time) int {
	n := 0
	for _, e := range events {
		if e.Kind == kind && e.PID == pid && e.OK == ok && e.At.After(t) {
			n++
		}
	}
	return n
}

// longHandler runs handlers for ten times their lease: the heartbeat
// must keep every lease, so that each job starts exactly once.
func longHandler(ctx context.Context, e *Env) error {
	const lease, batch = time.Second, 8
	o := WorkerOptions{Lease: lease, Handlers: map[string]Behaviour{"long": {Sleep: 10 * lease}}}
	if err := e.StartRedis(); err != nil {
		return err
	}
	ids, err := e.Enqueue(ctx, "long", batch, noArgs)
	if err != nil {
		return err
	}
	if _, err := e.StartWorkers(2, o); err != nil {
		return err
	}
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	if starts := Count(events, EventStart, AnyProcess, true); starts != len(ids) {
		return fmt.Errorf("%d handler starts for %d jobs: a lease was lost while its handler ran", starts, len(ids))
	}
	e.Note("%d handlers of %s on a %s lease, each started once", batch, 10*lease, lease)
	return nil
}

// workerSIGTERM sends SIGTERM to a worker running jobs longer than its
// shutdown timeout: it must exit cleanly, handing its jobs back, and they
// must complete elsewhere, none twice.
func workerSIGTERM(ctx context.Context, e *Env) error {
	o := WorkerOptions{ShutdownTimeout: 200 * time.Millisecond, Handlers: map[string]Behaviour{workType: {Sleep: 500 * time.Millisecond}}}
	ws, err := startDrain(ctx, e, 40, 2, o)
	if err != nil {
		return err
	}
	victim := ws[0]
	if _, err := e.WaitLedger(ctx, 30*time.Second, victim.Name+" to run 4 jobs at once", func(ev []Event) bool {
		return len(Unacked(ev, victim.PID(), time.Now())) >= 4
	}); err != nil {
		return err
	}
	victim.ExpectExit()
	termAt := time.Now()
	if err := victim.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	if err := victim.Wait(10 * time.Second); err != nil {
		return fmt.Errorf("%s after SIGTERM: %w", victim.Name, err)
	}
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	var handedBack []string
	for _, ev := range events {
		if ev.Kind == EventAck && ev.PID == victim.PID() && ev.OK && ev.State == jobs.StatePending {
			handedBack = append(handedBack, ev.JobID)
		}
	}
	if len(handedBack) == 0 {
		return fmt.Errorf("%s exited without handing back a job", victim.Name)
	}
	e.Note("%d jobs handed back, exit status 0", len(handedBack))
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	return recordRestart(e, handedBack, victim, termAt)
}

// crashingHandler runs a job whose handler ends its worker process
// (os.Exit) on every attempt, beside ordinary jobs on a 4-slot worker that
// a supervisor restarts: the crash the crasher causes beside others costs
// no job an attempt, after which it runs alone and each of its crashes
// costs it one; it must reach the dead-letter queue after max_retries+1
// attempts charged, and every other job complete. A job whose handler had
// finished but whose outcome was not stored when its worker died may run
// again.
func crashingHandler(ctx context.Context, e *Env) error {
	const retries = 2
	if err := e.StartRedis(); err != nil {
		return err
	}
	crasher, err := e.Enqueue(ctx, "crash", 1, noArgs, jobs.WithMaxRetries(retries))
	if err != nil {
		return err
	}
	e.Expect(jobs.StateFailed, crasher...)
	if _, err := e.Enqueue(ctx, workType, 50, noArgs, jobs.WithMaxRetries(retries)); err != nil {
		return err
	}
	o := WorkerOptions{Workers: 4, RetryDelay: 10 * time.Millisecond, Handlers: map[string]Behaviour{workType: work, "crash": {ExitCode: 3}}}
	supervisor, err := e.SuperviseWorker(o)
	if err != nil {
		return err
	}
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	crashed := make(map[int]bool) // the processes the crasher ended
	for _, ev := range events {
		if ev.Kind == EventStart && ev.JobID == crasher[0] {
			crashed[ev.PID] = true
		}
	}
	var held []string
	for pid := range crashed {
		held = append(held, Unacked(events, pid, time.Now())...)
	}
	e.AllowDuplicates(held...)
	dead, err := e.Backend.Job(ctx, crasher[0])
	if err != nil {
		return err
	}
	if dead.Charged() != retries+1 || dead.Attempt != len(crashed) {
		return fmt.Errorf("the crashing job ended %d processes in %d attempts, %d of them charged; want one process per attempt and %d charged (1 + %d retries)",
			len(crashed), dead.Attempt, dead.Charged(), retries+1, retries)
	}
	restarts, _ := supervisor.Restarts()
	e.Note("the crashing job took its worker down %d times, %d of them beside other jobs (not charged); dead-lettered after %d charged attempts",
		restarts, dead.Refunded, retries+1)
	return nil
}
