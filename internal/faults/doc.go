// Package faults is the fault suite of the Redis backend: scenarios that
// run real worker processes (cmd/faultworker) against a real redis-server,
// inflict a fault on one of them (SIGKILL, SIGSTOP, SIGTERM, a frozen or
// paused server, a handler that outlives its lease) and then audit what
// the backend holds against a ledger of every handler run.
//
// Each worker appends one line per event to a shared ledger file: when a
// handler starts, when it returns, and when the worker's Ack of the
// outcome returns (Ledger). After a scenario the runner reads every job
// through the backend (Snapshot) and Audit checks that every job is in
// exactly one state, that the figures of Stats match the jobs and the
// ledger, that no acknowledged job is lost and that jobs ran more than
// once only where the scenario allows it.
//
// Scenarios is the table of scenarios; cmd/faults runs it (see
// scripts/faults). A new scenario is one entry in the table and a function
// built from the helpers of Env.
package faults
