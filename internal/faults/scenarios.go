package faults

import (
	"context"
	"fmt"
	"time"
)

// Scenarios is the fault suite, in the order the runner runs it. Each
// entry starts its own redis-server and workers; see Env for the helpers a
// new entry builds on.
var Scenarios = []Scenario{
	{Name: "worker-sigkill", Run: workerSIGKILL,
		Summary: "SIGKILL one of 3 workers mid-drain: its leased jobs run again elsewhere, nothing else does"},
	{Name: "worker-sigstop", Run: workerSIGSTOP,
		Summary: "SIGSTOP a worker for 3 leases, then SIGCONT: its late acks are refused, only its leased jobs run twice"},
	{Name: "long-handler", Run: longHandler,
		Summary: "handlers run 10x their 1 s lease: the heartbeat keeps every lease, no job runs twice"},
	{Name: "worker-sigterm", Run: workerSIGTERM,
		Summary: "SIGTERM a worker with jobs in flight and a 200 ms shutdown timeout: it exits cleanly and hands them back"},
	{Name: "crashing-handler", Run: crashingHandler,
		Summary: "a handler that calls os.Exit beside 3 others on a supervised 4-slot worker: only its own crashes cost it attempts; dead-lettered after its retries, its neighbours complete"},
	{Name: "tenant-sigkill", Run: tenantSIGKILL,
		Summary: "SIGKILL a worker running tenant jobs (PostgreSQL schemas): each job's row is committed in its own tenant only"},
	{Name: "redis-sigkill", Run: redisSIGKILL,
		Summary: "SIGKILL redis-server (AOF everysec) mid-drain and restart it: workers resume, nothing fsynced is lost"},
	{Name: "redis-freeze", Run: redisFreeze,
		Summary: "SIGSTOP redis-server for 10 s mid-drain, then SIGCONT: workers resume, only jobs held across the freeze may run twice"},
	{Name: "client-pause", Run: clientPause,
		Summary: "CLIENT PAUSE 2 s during enqueues with caller-chosen IDs, retried on error with the same ID: no duplicate"},
}

// Lookup returns the scenario named name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// workType is the job type of the suite's ordinary jobs.
const workType = "work"

// work is the behaviour of ordinary jobs: a short piece of work.
var work = Behaviour{Sleep: 20 * time.Millisecond}

// workers are the options of workers that serve ordinary jobs.
func workers() WorkerOptions {
	return WorkerOptions{Handlers: map[string]Behaviour{workType: work}}
}

// startDrain starts a redis-server without persistence, enqueues n
// ordinary jobs and starts count workers on them.
func startDrain(ctx context.Context, e *Env, n, count int, o WorkerOptions) ([]*Process, error) {
	if err := e.StartRedis(); err != nil {
		return nil, err
	}
	if _, err := e.Enqueue(ctx, workType, n); err != nil {
		return nil, err
	}
	return e.StartWorkers(count, o)
}

// waitHolding waits until process p has stored at least acks outcomes and
// holds at least one job.
func waitHolding(ctx context.Context, e *Env, p *Process, acks int) error {
	_, err := e.WaitLedger(ctx, 30*time.Second, fmt.Sprintf("%s to store %d outcomes while holding a job", p.Name, acks), func(ev []Event) bool {
		return Count(ev, EventAck, p.PID(), true) >= acks && len(Unacked(ev, p.PID(), time.Now())) > 0
	})
	return err
}

// recordRestart sets the recovery time to when the last of held that ran
// again did so on another process than p after t.
func recordRestart(e *Env, held []string, p *Process, t time.Time) error {
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	if at, ok := LastRestart(events, held, p.PID(), t); ok {
		e.SetRecovery(at.Sub(t))
	}
	return nil
}
