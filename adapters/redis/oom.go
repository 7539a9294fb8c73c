package redis

import (
	"errors"
	"strings"
)

// ErrOutOfMemory is matched (errors.Is) by the error of an Enqueue that
// Redis refused because it is out of memory: maxmemory reached under the
// noeviction policy. Nothing of that Enqueue was stored. Workers keep
// draining a full Redis (their outcomes are stored past maxmemory, see the
// package doc), and Enqueue succeeds again once memory is freed.
var ErrOutOfMemory = errors.New("redis: out of memory (maxmemory reached, policy noeviction)")

// oomError is an error of Redis's refusal for want of memory; it matches
// ErrOutOfMemory and keeps the server's message.
type oomError struct{ err error }

func (e *oomError) Error() string        { return e.err.Error() }
func (e *oomError) Unwrap() error        { return e.err }
func (e *oomError) Is(target error) bool { return target == ErrOutOfMemory }

// outOfMemory returns err made to match ErrOutOfMemory when Redis refused
// a command of it for want of memory (an "OOM command not allowed" reply,
// whether of a command, a script or one of several joined errors), else
// err unchanged.
func outOfMemory(err error) error {
	if err != nil && strings.Contains(err.Error(), "OOM command not allowed") {
		return &oomError{err: err}
	}
	return err
}
