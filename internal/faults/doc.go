// Package faults is the fault suite of the Redis backend: scenarios that
// run real worker processes (cmd/faultworker) against a real redis-server,
// inflict a fault on one of them (SIGKILL, SIGSTOP, SIGTERM, a crashing
// handler, a killed, frozen or paused server, a handler that outlives its
// lease) and then audit what the backend holds against a ledger of every
// handler run. scripts/faults builds the worker and runs cmd/faults, which
// runs the table Scenarios and prints the results as a Markdown table.
//
// Each worker appends one line per event to a ledger file shared by the
// scenario's workers: when a handler starts, when it returns, and when the
// worker's Ack of the outcome returns. After a scenario the runner stops
// the workers, reads every job through the backend (Job, ListJobs, Stats)
// and Audit checks that every job is in exactly one state, that Stats
// agree with the jobs and the ledger, that no acknowledged job is lost and
// that jobs succeeded more than once only where the scenario allows it.
//
// A new scenario is one entry of Scenarios and a function built from the
// helpers of Env: StartRedis (with redis-server arguments, e.g.
// "--maxmemory", "20mb"), StartWorker, StartWorkers and SuperviseWorker
// (WorkerOptions: slots, lease, job timeout and grace, shutdown timeout,
// retry delay, a host clock offset (wallclock.SetOffset), accepting an
// evicting Redis, jobs to enqueue at start-up (Schedule), and per job type
// a Behaviour: sleep, ignore the context, hang, fail N attempts, exit the
// process, create a temporary table), Enqueue (with args), Expect,
// MayExist, AllowDuplicates, WaitLedger, WaitDrained, SetRecovery and Note;
// a worker's Output and ExitCode; for tenant jobs StartPostgres,
// CreateTenants and TenantItems (tenant handlers insert a row into their
// tenant's items table).
package faults
