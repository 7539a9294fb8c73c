package redis

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/groupcommit"
)

// mayHaveApplied reports whether err, the failure of a command, may have
// come after the command was written, so that the server may have run it:
// a read that timed out or found the connection closed. Every other
// failure came before the write (no connection from the pool, a dial or
// write error, a context done before the command started), or is an answer
// of the server, or an error of the backend's own. A write that too few
// replicas acknowledged (ErrReplicaAcks) was applied on the master, and
// may be lost in a failover.
func mayHaveApplied(err error) bool {
	var op *net.OpError
	var netErr net.Error
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, ErrReplicaAcks):
		return true
	case errors.As(err, &op):
		// A failed write sent part of the command at most, which the
		// server never runs.
		return op.Op != "dial" && op.Op != "write"
	}
	return errors.As(err, &netErr)
}

// unknownOutcome is err, the failure of a command that would apply a
// change to the jobs ids, as an *jobs.UnknownOutcomeError on ids when
// the command may have been applied (see mayHaveApplied), else as
// sharedOutcome has it.
func unknownOutcome(err error, ids ...string) error {
	if mayHaveApplied(err) {
		return &jobs.UnknownOutcomeError{JobIDs: ids, Err: err}
	}
	return sharedOutcome(err, ids...)
}

// sharedOutcome is err, the failure of a coalesced call on the jobs ids
// (see committer.do), as an *jobs.UnknownOutcomeError on ids when the
// flush carrying it may have been applied: the caller left it in flight,
// or it failed with an unknown outcome for all the jobs it carried.
// Otherwise it is err unchanged.
func sharedOutcome(err error, ids ...string) error {
	var u *jobs.UnknownOutcomeError
	switch {
	case errors.As(err, &u):
		return &jobs.UnknownOutcomeError{JobIDs: ids, Err: u.Err}
	case errors.Is(err, groupcommit.ErrLeftInFlight):
		return &jobs.UnknownOutcomeError{JobIDs: ids, Err: err}
	}
	return err
}

// jobIDs lists the IDs of jobs.
func jobIDs(batch []jobs.Job) []string {
	ids := make([]string, len(batch))
	for i, j := range batch {
		ids[i] = j.ID
	}
	return ids
}

// ctxErr is ctx.Err(), or context.DeadlineExceeded once ctx's deadline has
// passed though its timer has not fired yet: a socket deadline set to the
// same instant may end a read first.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}
