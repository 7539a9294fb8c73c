// Package runtime is the engine of jobs, built on the kernel package
// (github.com/jobsgo/jobs, which holds the job model, transitions, retry
// policy, errors and the ports a backend implements): the handler
// registry, the client that enqueues, the worker pool and its services
// (fetch, execute, heartbeat, maintain), the scheduler, periodic jobs and
// middleware.
//
// A Pool is four small services around one shared table of worker slots:
// the executor (a worker goroutine per slot), the fetcher (a goroutine per
// queue), the maintainer (the Scheduler and the periodic schedules) and
// the heartbeat (lease renewal, worker reports, cancellations). Start
// starts them in that order; Shutdown stops the fetcher and the maintainer
// first, so that no job is taken, then the executor, which waits for the
// running jobs, and the heartbeat last, as it renews their leases. One job
// goes through them like this: the fetcher sees an idle slot of its queue,
// waits while a suspect job has the process to itself, leases the job from
// the backend and places it in the slot, which hands it to the slot's
// worker. The executor's worker waits for the job's turn, runs its handler
// with its timeout under the slot's watchdog (which abandons a handler
// that outlives its context), turns the attempt into the job's next state
// and stores it, retrying while the lease lasts; meanwhile the heartbeat
// renews the lease of every job in a slot and interrupts the handler
// through the executor when the lease is lost or the job is cancelled.
// Storing the outcome empties the slot (on an AckDequeuer the same round
// trip may fill it with the queue's next job), and the worker hands the
// slot back to the fetcher. A retrying job returns to its queue when the
// maintainer's scheduler finds it due.
//
// Generated code (see cmd/jobgen) builds typed wrappers on top of the
// byte-level API in this package.
package runtime

// GeneratedCodeVersion1 is referenced by code that jobgen emits, so that
// generated code and the runtime it was generated for must agree at compile
// time. It is bumped (to GeneratedCodeVersion2, ...) on incompatible changes.
const GeneratedCodeVersion1 = true
