package jobs

import "context"

// Preflighter is an optional capability of a Backend: a check that the
// storage it uses keeps what it acknowledges (for Redis: no eviction
// policy). Pool.Start runs it and fails with its error, so that a
// misconfigured deployment stops at start-up instead of losing jobs.
type Preflighter interface {
	// Preflight checks the backend's storage and returns an error that
	// says what to change when it may lose jobs, or when it cannot be
	// reached.
	Preflight(ctx context.Context) error
}
