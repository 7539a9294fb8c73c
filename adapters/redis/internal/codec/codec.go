// Package codec turns jobs into the fields of their Redis hash and back:
// the static JSON of a new job (field d, written once), the mutable fields
// each transition changes, and the decoding of a stored hash into a job,
// quarantining what cannot be read. Its hand-written encoders produce
// exactly what encoding/json would (the tests hold them to it), without
// its reflection.
package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// errCorrupt marks job data in Redis that cannot be decoded.
var errCorrupt = errors.New("corrupt job data")

// Static is the part of a job that never changes after enqueue, stored as
// JSON in hash field d. ID and queue are not stored: the key names them.
type Static struct {
	Type       string            `json:"t"`
	Args       json.RawMessage   `json:"a,omitempty"`
	Metadata   map[string]string `json:"m,omitempty"`
	TenantID   string            `json:"tn,omitempty"`
	MaxRetries int               `json:"mr,omitempty"`
	Retry      *jobs.RetryPolicy `json:"rp,omitempty"`
	Timeout    time.Duration     `json:"to,omitempty"`
	CreatedAt  int64             `json:"c,omitempty"` // unix nanoseconds
	UniqueKey  string            `json:"u,omitempty"`
	UniqueTill int64             `json:"uu,omitempty"` // unix nanoseconds
}

// JobFields are the hash fields every read of a whole job asks for, in the
// order of record's fields.
var JobFields = []string{"s", "p", "a", "x", "st", "fi", "l", "r", "e", "d", "raw", "rf", "al", "h"}

// Record is a job hash as read from Redis ("" for an absent field).
type Record struct {
	S, P, A, X, st, fi, L, r, e, D, raw string
	// rf is the number of refunded attempts, al the attempt that runs
	// alone (jobs.Job.Isolate), h the attempt log (JSON).
	rf, al, h string
}

// NewRecord builds a record from an HMGET of jobFields.
func NewRecord(vals []any) Record {
	str := func(i int) string {
		if i < len(vals) {
			if s, ok := vals[i].(string); ok {
				return s
			}
		}
		return ""
	}
	return Record{str(0), str(1), str(2), str(3), str(4), str(5), str(6), str(7), str(8), str(9), str(10), str(11), str(12), str(13)}
}

// RecordOf builds a record from the values of JobFields, in order (as
// page.lua returns them).
func RecordOf(f []string) Record {
	return Record{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13]}
}

// Exists reports whether the hash was there at all.
func (r Record) Exists() bool { return r.S != "" || r.D != "" || r.A != "" }

// A fieldSet picks fields of a job hash that a change stores; the zero
// set is allMutable.
type FieldSet uint16

// The fields a change may store, besides the state.
const (
	FieldAttempt    FieldSet = 1 << iota // a
	FieldExecuteAt                       // x
	fieldStartedAt                       // st
	FieldFinishedAt                      // fi
	FieldLease                           // l
	FieldResult                          // r
	FieldError                           // e
	fieldRefunded                        // rf
	FieldAlone                           // al
	FieldRaw                             // raw, cleared: the job is no longer corrupt
	FieldStatic                          // d, the static JSON, rewritten from the job
	FieldAttemptLog                      // h

	AllMutable = FieldAttempt | FieldExecuteAt | fieldStartedAt | FieldFinishedAt | FieldLease | FieldResult | FieldError |
		fieldRefunded | FieldAlone | FieldAttemptLog
)

// AppendMutable appends the fields of set (allMutable when set is zero)
// with their values in j to args, as pairs in the order a, x, st, fi, l,
// r, e, rf, al, raw, d, h, as move.lua takes them ("" deletes a field), and
// returns args with the number of pairs.
func AppendMutable(args []any, j jobs.Job, set FieldSet) ([]any, int, error) {
	if set == 0 {
		set = AllMutable
	}
	n := len(args)
	if set&FieldAttempt != 0 {
		args = append(args, "a", strconv.Itoa(j.Attempt))
	}
	if set&FieldExecuteAt != 0 {
		args = append(args, "x", Nanos(j.ExecuteAt))
	}
	if set&fieldStartedAt != 0 {
		args = append(args, "st", Nanos(j.StartedAt))
	}
	if set&FieldFinishedAt != 0 {
		args = append(args, "fi", Nanos(j.FinishedAt))
	}
	if set&FieldLease != 0 {
		args = append(args, "l", Nanos(j.LeaseUntil))
	}
	if set&FieldResult != 0 {
		args = append(args, "r", string(j.Result))
	}
	if set&FieldError != 0 {
		e := ""
		if j.Error != nil {
			b, err := json.Marshal(j.Error)
			if err != nil {
				return nil, 0, err
			}
			e = string(b)
		}
		args = append(args, "e", e)
	}
	if set&fieldRefunded != 0 {
		args = append(args, "rf", count(j.Refunded))
	}
	if set&FieldAlone != 0 {
		al := ""
		if j.Alone {
			al = strconv.Itoa(j.Attempt)
		}
		args = append(args, "al", al)
	}
	if set&FieldRaw != 0 {
		args = append(args, "raw", "")
	}
	if set&FieldStatic != 0 {
		d, err := EncodeStatic(j)
		if err != nil {
			return nil, 0, err
		}
		args = append(args, "d", d)
	}
	if set&FieldAttemptLog != 0 {
		h := "" // also for a log the other fields imply (see LogImplied)
		if len(j.AttemptLog) > 0 && !LogImplied(j) {
			b, err := json.Marshal(j.AttemptLog)
			if err != nil {
				return nil, 0, err
			}
			h = string(b)
		}
		args = append(args, "h", h)
	}
	return args, (len(args) - n) / 2, nil
}

// count formats a counter that is absent while zero.
func count(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Decode builds the job with the given ID in queue from its hash. The error
// (a *corruptError) says what is wrong; the job then holds what could
// be read, with its type when known. A job quarantined as corrupt (failed,
// Error type corrupt_job) always decodes: what it could not read is in
// its Raw field (see rawFields).
func Decode(id, queue string, r Record) (jobs.Job, error) {
	j := jobs.Job{ID: id, Queue: queue, State: jobs.State(r.S)}
	var st Static
	var problems []error
	var unread []string // the fields behind problems
	bad := func(field, format string, args ...any) {
		unread = append(unread, field)
		problems = append(problems, fmt.Errorf(format, args...))
	}
	if r.D == "" {
		bad("d", "field d (type, args, ...) is missing")
	} else if err := decodeStatic(r.D, &st); err != nil {
		bad("d", "field d is not valid job JSON: %v", err)
	}
	setStatic(&j, st)
	if !j.State.Valid() {
		bad("s", "state %q is unknown", r.S)
	}
	if p, err := strconv.Atoi(r.P); err == nil && jobs.Priority(p).Valid() {
		j.Priority = jobs.Priority(p)
	} else {
		bad("p", "priority %q is not 1-4", r.P)
	}
	if a, err := strconv.Atoi(r.A); r.A == "" || (err == nil && a >= 0) {
		j.Attempt = a // absent from a new job: none yet
	} else {
		bad("a", "attempt %q is not a number", r.A)
	}
	if rf, err := strconv.Atoi(r.rf); r.rf == "" || (err == nil && rf >= 0) {
		j.Refunded = rf
	} else {
		bad("rf", "refunded attempts %q is not a number", r.rf)
	}
	j.Alone = j.State == jobs.StateRunning && r.al != "" && r.al == r.A
	for _, t := range []struct {
		name string
		v    string
		dst  *time.Time
	}{{"x", r.X, &j.ExecuteAt}, {"st", r.st, &j.StartedAt}, {"fi", r.fi, &j.FinishedAt}, {"l", r.L, &j.LeaseUntil}} {
		if t.v == "" {
			continue
		}
		ns, err := strconv.ParseInt(t.v, 10, 64)
		if err != nil {
			bad(t.name, "time field %s %q is not a number", t.name, t.v)
			continue
		}
		*t.dst = time.Unix(0, ns).UTC()
	}
	if r.X == "" {
		j.ExecuteAt = j.CreatedAt // absent from a new job due when created
	}
	if r.r != "" {
		if json.Valid([]byte(r.r)) {
			j.Result = json.RawMessage(r.r)
		} else {
			bad("r", "result is not valid JSON")
		}
	}
	if r.e != "" {
		var e jobs.JobError
		if err := json.Unmarshal([]byte(r.e), &e); err == nil {
			j.Error = &e
		} else {
			bad("e", "error field is not valid JSON: %v", err)
		}
	}
	// The attempt log only informs: one that cannot be read is left out
	// rather than making the job corrupt. One that was not stored because
	// the other fields imply it is put back.
	if r.h != "" {
		var log []jobs.AttemptRecord
		if json.Unmarshal([]byte(r.h), &log) == nil {
			j.AttemptLog = log
		}
	}
	j = WithImpliedLog(j)
	if j.State == jobs.StateFailed && j.Error != nil && j.Error.Type == jobs.ErrorTypeCorrupt {
		j.Raw = rawFields(r, unread)
		if j.Args == nil {
			restoreStatic(&j)
		}
		return j, nil
	}
	if j.Type == "" && r.D != "" && len(problems) == 0 {
		bad("d", "job type is empty")
	}
	if len(problems) > 0 {
		return j, &CorruptError{Id: id, Queue: queue, Reason: errors.Join(problems...).Error(), fields: unread}
	}
	return j, nil
}

// setStatic copies st into j.
func setStatic(j *jobs.Job, st Static) {
	j.Type, j.Args, j.Metadata, j.TenantID = st.Type, st.Args, st.Metadata, st.TenantID
	j.MaxRetries, j.Retry, j.Timeout = st.MaxRetries, st.Retry, st.Timeout
	j.CreatedAt, j.UniqueKey, j.UniqueUntil = time.Time{}, st.UniqueKey, time.Time{}
	if st.CreatedAt != 0 {
		j.CreatedAt = time.Unix(0, st.CreatedAt).UTC()
	}
	if st.UniqueTill != 0 {
		j.UniqueUntil = time.Unix(0, st.UniqueTill).UTC()
	}
}

// rawFields returns what a quarantined job could not be read from: the
// fields quarantine kept in field raw (a JSON object field -> value; a
// raw field of another form, left by versions before that, is returned
// as "raw"), and the fields of r named in unread as stored.
func rawFields(r Record, unread []string) map[string]string {
	out := make(map[string]string)
	if r.raw != "" && json.Unmarshal([]byte(r.raw), &out) != nil {
		out = map[string]string{"raw": r.raw}
	}
	stored := map[string]string{"s": r.S, "p": r.P, "a": r.A, "x": r.X, "st": r.st, "fi": r.fi, "l": r.L, "r": r.r, "e": r.e, "d": r.D, "rf": r.rf}
	for _, f := range unread {
		if _, ok := out[f]; !ok {
			out[f] = stored[f]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// restoreStatic gives a quarantined job without arguments the static part
// that versions before raw held fields kept in raw: the whole field d,
// which quarantine replaced by {"t": type}.
func restoreStatic(j *jobs.Job) {
	if st, ok := oldStatic(*j); ok {
		setStatic(j, st)
	}
}

// oldStatic returns the static part that a quarantined job's raw field
// holds in the form of versions before raw held fields, when it is one of
// the job's type.
func oldStatic(j jobs.Job) (Static, bool) {
	var st Static
	old := j.Raw["raw"]
	if old == "" || decodeStatic(old, &st) != nil || st.Type == "" || (j.Type != "" && st.Type != j.Type) {
		return Static{}, false
	}
	return st, true
}

// StaticLost reports whether a quarantined job lost the type or
// arguments it was enqueued with (see rawFields and restoreStatic), so
// that it cannot run again.
func StaticLost(j jobs.Job) bool {
	if j.Type == "" {
		return true
	}
	if j.Raw == nil {
		return false
	}
	_, d := j.Raw["d"]
	_, value := j.Raw["value"]
	if _, old := j.Raw["raw"]; old {
		_, restored := oldStatic(j)
		return d || value || !restored
	}
	return d || value
}

// CorruptError says why a job's data could not be decoded. It matches
// errCorrupt with errors.Is.
type CorruptError struct {
	Id, Queue, Reason string
	fields            []string // the fields that could not be read
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%v: job %s in queue %s: %s", errCorrupt, e.Id, e.Queue, e.Reason)
}

func (e *CorruptError) Unwrap() error { return errCorrupt }

// Reason returns what is wrong with a corrupt job, for its corrupt_job
// Error (the message adds the job's ID), and the fields it could not read
// (comma-separated), as bury takes them.
func Reason(err error) (string, string) {
	var ce *CorruptError
	if errors.As(err, &ce) {
		return strings.ReplaceAll(ce.Reason, "\n", "; "), strings.Join(ce.fields, ",")
	}
	return err.Error(), ""
}

// Nanos is t as unix nanoseconds, the form of stored times; "" for the zero
// time.
func Nanos(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}
