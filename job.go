// Package jobs is the kernel of the jobs framework: the job model and its
// pure state transitions, states and priorities, enqueue options, the
// retry policy, limits, every sentinel error, and the port interfaces a
// backend implements (Backend and its optional capabilities). It imports
// only the standard library.
//
// The engine that runs jobs (client, registry, worker pool, scheduler,
// periodic jobs, middleware) is package runtime, built on this one; the
// backends (adapters/memory, adapters/redis) implement the ports here and
// do not depend on the engine. Generated code (see cmd/jobgen) uses both.
package jobs

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultQueue is the queue used when neither the caller nor the handler
// annotation names one.
const DefaultQueue = "default"

// State is where a job is in its life cycle.
type State string

// The states of a job. Completed, failed and cancelled are terminal; a failed
// job sits in the dead-letter queue and can be retried from there.
const (
	StatePending   State = "pending"   // waiting in its queue
	StateScheduled State = "scheduled" // waiting for its execute-at time
	StateRunning   State = "running"   // leased by a worker
	StateRetrying  State = "retrying"  // failed an attempt, waiting for its backoff
	StateCompleted State = "completed" // handler succeeded
	StateFailed    State = "failed"    // out of attempts, in the dead-letter queue
	StateCancelled State = "cancelled" // cancelled before it could finish
)

// States lists every state in life-cycle order.
var States = []State{StatePending, StateScheduled, StateRunning, StateRetrying, StateCompleted, StateFailed, StateCancelled}

// Terminal reports whether no further transition happens on its own from s.
func (s State) Terminal() bool {
	return s == StateCompleted || s == StateFailed || s == StateCancelled
}

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// Priority orders jobs within a queue: critical before high before normal
// before low; FIFO within one priority. The zero value means "not set" and
// resolves to PriorityNormal when a job is created.
type Priority int8

// The priorities, lowest first.
const (
	PriorityLow      Priority = 1
	PriorityNormal   Priority = 2
	PriorityHigh     Priority = 3
	PriorityCritical Priority = 4
)

// Priorities lists the priorities from the highest to the lowest, the order in
// which workers take jobs.
var Priorities = []Priority{PriorityCritical, PriorityHigh, PriorityNormal, PriorityLow}

var priorityNames = map[Priority]string{
	PriorityLow: "low", PriorityNormal: "normal", PriorityHigh: "high", PriorityCritical: "critical",
}

// String returns the lower-case name of p ("critical", "high", ...).
func (p Priority) String() string {
	if n, ok := priorityNames[p]; ok {
		return n
	}
	return fmt.Sprintf("Priority(%d)", int8(p))
}

// Valid reports whether p is one of the four defined priorities.
func (p Priority) Valid() bool { return p >= PriorityLow && p <= PriorityCritical }

// ParsePriority parses "critical", "high", "normal" or "low".
func ParsePriority(s string) (Priority, error) {
	for p, n := range priorityNames {
		if n == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown priority %q (want critical, high, normal or low)", s)
}

// MarshalText encodes p by name.
func (p Priority) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("invalid priority %d", int8(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText decodes a priority name.
func (p *Priority) UnmarshalText(b []byte) error {
	v, err := ParsePriority(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// JobError describes why an attempt failed.
type JobError struct {
	Message    string `json:"message"`
	Type       string `json:"type"`
	Stacktrace string `json:"stacktrace,omitempty"`
}

// Error types the runtime itself assigns to JobError.Type; an error returned
// by a handler gets its Go type name instead.
const (
	ErrorTypePanic          = "panic"
	ErrorTypeTimeout        = "timeout"
	ErrorTypeUnknownJobType = "unknown_job_type"
	ErrorTypeLeaseExpired   = "lease_expired"
	ErrorTypeCorrupt        = "corrupt_job"
	ErrorTypeTenant         = "tenant"
)

// Job is one unit of background work. A Job is a value: the transition
// methods return a changed copy and never modify the receiver.
type Job struct {
	ID         string            `json:"id"`
	Type       string            `json:"type"`
	Queue      string            `json:"queue"`
	Priority   Priority          `json:"priority"`
	Args       json.RawMessage   `json:"args"`
	Metadata   map[string]string `json:"metadata,omitempty"`
	TenantID   string            `json:"tenant_id,omitempty"`
	State      State             `json:"state"`
	Attempt    int               `json:"attempt"`     // attempts started so far
	MaxRetries int               `json:"max_retries"` // retries after the first attempt
	// Refunded counts the attempts among Attempt that do not count against
	// MaxRetries: their worker stopped (crashed or hung) while the job ran
	// beside other jobs, so nothing says that this job was the cause (see
	// ExpireLease). A job with refunded attempts is a suspect: pools run it
	// alone in their process.
	Refunded int `json:"refunded,omitempty"`
	// Alone is set while the current attempt's handler runs alone in its
	// process (see Isolate): a lease expiry then counts the attempt.
	Alone bool `json:"alone,omitempty"`
	// Retry overrides the handler's (and the pool's) retry policy when set.
	Retry *RetryPolicy `json:"retry,omitempty"`
	// Timeout overrides the handler's (and the pool's) per-attempt timeout when positive.
	Timeout    time.Duration   `json:"timeout,omitempty"`
	ExecuteAt  time.Time       `json:"execute_at,omitzero"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  time.Time       `json:"started_at,omitzero"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
	LeaseUntil time.Time       `json:"lease_until,omitzero"` // while running: when the lease expires
	Result     json.RawMessage `json:"result,omitempty"`
	Error      *JobError       `json:"error,omitempty"`
	// AttemptLog holds the job's last MaxAttemptRecords finished attempts,
	// oldest first, kept across a retry from the dead-letter queue.
	AttemptLog []AttemptRecord `json:"attempt_log,omitempty"`
	// UniqueKey, when set, is held by this job so that no other job with the
	// same key can be enqueued: until UniqueUntil, or while the job is
	// active when UniqueUntil is zero. See Unique.
	UniqueKey   string    `json:"unique_key,omitempty"`
	UniqueUntil time.Time `json:"unique_until,omitzero"`
	// Raw holds, for a job quarantined as corrupt (a failed job with error
	// type ErrorTypeCorrupt), the stored values that could not be read, by
	// the backend's field name; the job's other fields hold what could be
	// read, and unreadable ones sane values (attempt 0, ...). Nil otherwise.
	Raw map[string]string `json:"raw,omitempty"`
	// FreshID tells the backend that ID was generated for this one
	// Enqueue call (by NewJob, the caller having chosen none), so that no
	// stored job can have it: the backend may store the job without
	// looking for one with that ID. The runtime Client sets it on the jobs
	// it creates and clears it on those it returns; NewJob leaves it
	// false, as must anyone who may enqueue the same job twice (a retry
	// after an unknown outcome). Backends do not store it.
	FreshID bool `json:"-"`
}

// HoldsUniqueKey reports whether j keeps its unique key from other jobs at now.
func (j Job) HoldsUniqueKey(now time.Time) bool {
	if j.UniqueKey == "" {
		return false
	}
	if !j.UniqueUntil.IsZero() {
		return now.Before(j.UniqueUntil)
	}
	return !j.State.Terminal()
}

// Charged is the number of attempts that count against MaxRetries: those
// started, less the refunded ones.
func (j Job) Charged() int { return j.Attempt - j.Refunded }

// Suspect reports whether a worker stopped while it held j beside other
// jobs (j has refunded attempts): such a job runs alone in its process, so
// that a crash it causes is charged to it alone.
func (j Job) Suspect() bool { return j.Refunded > 0 }

// RetriesLeft reports how many more attempts j may make after the current one.
func (j Job) RetriesLeft() int {
	left := j.MaxRetries + 1 - j.Charged()
	if left < 0 {
		return 0
	}
	return left
}

// ValidateNew reports whether j can be given to Queue.Enqueue: a valid ID,
// type, queue and priority, and pending or scheduled. Backends call it on
// every job they are asked to store.
func (j Job) ValidateNew() error {
	if err := ValidateJobID(j.ID); err != nil {
		return err
	}
	if err := ValidateJobType(j.Type); err != nil {
		return err
	}
	if err := ValidateQueueName(j.Queue); err != nil {
		return err
	}
	if !j.Priority.Valid() {
		return fmt.Errorf("%w: job %s has priority %d", ErrInvalidJob, j.ID, int8(j.Priority))
	}
	if j.State != StatePending && j.State != StateScheduled {
		return fmt.Errorf("%w: job %s is %s, want pending or scheduled", ErrInvalidJob, j.ID, j.State)
	}
	return nil
}

// maxIDLen bounds caller-given job IDs and names so keys stay small.
const maxIDLen = 200

// ValidateJobID reports whether id can name a job: 1 to 200 bytes of
// printable UTF-8 with no white space.
func ValidateJobID(id string) error {
	return validateName("job ID", id)
}

// GeneratedIDForm reports whether id has the form of the IDs NewJob
// generates: a version-7 UUID (RFC 9562) in canonical lower-case text.
// Such IDs are unique by construction, so a backend may skip looking for
// them in other queues (the Redis backend indexes only other IDs). A
// caller-chosen ID of this form is trusted the same way.
func GeneratedIDForm(id string) bool {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' || id[14] != '7' {
		return false
	}
	switch id[19] {
	case '8', '9', 'a', 'b':
	default:
		return false
	}
	for i := 0; i < len(id); i++ {
		if !lowerHex[id[i]] && i != 8 && i != 13 && i != 18 && i != 23 {
			return false
		}
	}
	return true
}

// lowerHex marks the bytes that are lower-case hex digits.
var lowerHex = [256]bool{'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true,
	'8': true, '9': true, 'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true}

// ValidateScheduleName reports whether name can name a periodic schedule
// (ScheduleInfo.Name): 1 to 100 bytes of printable UTF-8 with no white
// space.
func ValidateScheduleName(name string) error {
	if err := validateName("schedule name", name); err != nil || len(name) > maxScheduleNameLen {
		return fmt.Errorf("%w: schedule %q: name must be 1 to %d printable bytes without white space", ErrInvalidJob, name, maxScheduleNameLen)
	}
	return nil
}

// maxScheduleNameLen bounds schedule names, which the backends keep in
// keys.
const maxScheduleNameLen = 100

// ValidateJobType reports whether t can name a job type.
func ValidateJobType(t string) error {
	return validateName("job type", t)
}

// ValidateQueueName reports whether q can name a queue. Queue names may not
// contain braces, which the Redis backend uses as hash tags.
func ValidateQueueName(q string) error {
	if err := validateName("queue name", q); err != nil {
		return err
	}
	if strings.ContainsAny(q, "{}") {
		return fmt.Errorf("%w: queue name %q may not contain '{' or '}'", ErrInvalidJob, q)
	}
	return nil
}

func validateName(what, s string) error {
	if s == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidJob, what)
	}
	if len(s) > maxIDLen {
		return fmt.Errorf("%w: %s is %d bytes long (max %d)", ErrInvalidJob, what, len(s), maxIDLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			return validateRunes(what, s[i:], s) // not ASCII: the slow path
		} else if c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: %s %q contains white space or a control character", ErrInvalidJob, what, s)
		}
	}
	return nil
}

// validateRunes is validateName's check of the characters of rest, a tail
// of the name s that holds non-ASCII text.
func validateRunes(what, rest, s string) error {
	if !utf8.ValidString(rest) {
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalidJob, what, s)
	}
	for _, r := range rest {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("%w: %s %q contains white space or a control character", ErrInvalidJob, what, s)
		}
	}
	return nil
}
