// Package runtime is the engine of jobs, built on the kernel package
// (github.com/jobsgo/jobs, which holds the job model, transitions, retry
// policy, errors and the ports a backend implements): the handler
// registry, the client that enqueues, the worker pool and its services
// (fetch, execute, heartbeat, maintain), the scheduler, periodic jobs and
// middleware.
//
// Generated code (see cmd/jobgen) builds typed wrappers on top of the
// byte-level API in this package.
package runtime

// GeneratedCodeVersion1 is referenced by code that jobgen emits, so that
// generated code and the runtime it was generated for must agree at compile
// time. It is bumped (to GeneratedCodeVersion2, ...) on incompatible changes.
const GeneratedCodeVersion1 = true
