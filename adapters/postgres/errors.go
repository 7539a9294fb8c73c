package postgres

import (
	"fmt"

	"github.com/jobsgo/jobs"
)

// TenantError reports a tenant that cannot run jobs: unknown, disabled, or
// configured with an unusable schema. It matches jobs.ErrTenantNotFound
// with errors.Is, so the worker pool fails the job explicitly (and, unless
// PoolConfig.RetryUnknownTenant is set, without retrying it) instead of
// running it against a default schema.
type TenantError struct {
	TenantID string
	Reason   string // what is wrong: "unknown (...)", "disabled", "unusable schema", ...
	Err      error  // the underlying cause (e.g. a *SchemaError), or nil
}

// Error implements error.
func (e *TenantError) Error() string {
	msg := fmt.Sprintf("%v: tenant %s: %s", jobs.ErrTenantNotFound, clip(e.TenantID), e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns jobs.ErrTenantNotFound and the underlying cause, if any.
func (e *TenantError) Unwrap() []error {
	if e.Err == nil {
		return []error{jobs.ErrTenantNotFound}
	}
	return []error{jobs.ErrTenantNotFound, e.Err}
}
