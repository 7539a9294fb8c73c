package faults

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
)

// The kinds of ledger events.
const (
	EventStart = "start" // a handler started an attempt
	EventEnd   = "end"   // a handler returned; OK when it returned no error
	EventAck   = "ack"   // the worker's Ack of an outcome returned; OK when stored
	// EventEnqueue: a worker is about to enqueue a job (Schedule); it
	// exits if the enqueue fails.
	EventEnqueue = "enqueue"
)

// Event is one line of the ledger.
type Event struct {
	At      time.Time
	Kind    string
	JobID   string
	Attempt int
	PID     int
	// State is the state the worker asked to store (ack events only).
	State jobs.State
	// OK: the handler returned nil (end) or the backend stored the
	// outcome (ack). Always true for start events.
	OK bool
}

// String is the event's ledger line without its newline:
// "<unix ns> <kind> <job ID> <attempt> <pid> <state or -> <ok or error>".
func (e Event) String() string {
	state := string(e.State)
	if state == "" {
		state = "-"
	}
	result := "error"
	if e.OK {
		result = "ok"
	}
	return fmt.Sprintf("%d %s %s %d %d %s %s", e.At.UnixNano(), e.Kind, e.JobID, e.Attempt, e.PID, state, result)
}

// parseEvent parses one ledger line.
func parseEvent(line string) (Event, error) {
	f := strings.Fields(line)
	if len(f) != 7 {
		return Event{}, fmt.Errorf("ledger line %q: %d fields, want 7", line, len(f))
	}
	ns, err1 := strconv.ParseInt(f[0], 10, 64)
	attempt, err2 := strconv.Atoi(f[3])
	pid, err3 := strconv.Atoi(f[4])
	if err1 != nil || err2 != nil || err3 != nil {
		return Event{}, fmt.Errorf("ledger line %q: time, attempt and pid must be integers", line)
	}
	if f[1] != EventStart && f[1] != EventEnd && f[1] != EventAck && f[1] != EventEnqueue {
		return Event{}, fmt.Errorf("ledger line %q: unknown event %q", line, f[1])
	}
	if f[6] != "ok" && f[6] != "error" {
		return Event{}, fmt.Errorf("ledger line %q: result %q, want ok or error", line, f[6])
	}
	e := Event{At: time.Unix(0, ns), Kind: f[1], JobID: f[2], Attempt: attempt, PID: pid, OK: f[6] == "ok"}
	if f[5] != "-" {
		e.State = jobs.State(f[5])
	}
	return e, nil
}

// ParseLedger parses a ledger's contents. A last line without its newline
// (a writer killed mid-write) is ignored; any other malformed line is an
// error.
func ParseLedger(data []byte) ([]Event, error) {
	lines := bytes.Split(data, []byte{'\n'})
	lines = lines[:len(lines)-1] // the text after the last newline is not a whole line
	events := make([]Event, 0, len(lines))
	for _, l := range lines {
		e, err := parseEvent(string(l))
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, nil
}

// ReadLedger reads and parses the ledger file at path; a missing file is
// an empty ledger.
func ReadLedger(path string) ([]Event, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseLedger(data)
}

// LedgerWriter appends events to a ledger file that several processes
// share: each event is one write to a file opened with O_APPEND, so lines
// of different processes never interleave.
type LedgerWriter struct {
	mu  sync.Mutex
	f   *os.File
	pid int
}

// OpenLedger opens (creating it if needed) the ledger at path for this
// process.
func OpenLedger(path string) (*LedgerWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	return &LedgerWriter{f: f, pid: os.Getpid()}, nil
}

// Record appends an event about job, stamped with the time and this
// process's ID. A ledger that cannot be written makes the audit
// meaningless, so a failed write ends the process.
func (w *LedgerWriter) Record(kind string, job jobs.Job, state jobs.State, ok bool) {
	e := Event{At: time.Now(), Kind: kind, JobID: job.ID, Attempt: job.Attempt, PID: w.pid, State: state, OK: ok}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.WriteString(e.String() + "\n"); err != nil {
		fmt.Fprintf(os.Stderr, "faultworker: write ledger: %v\n", err)
		os.Exit(2)
	}
}

// Close closes the ledger file.
func (w *LedgerWriter) Close() error { return w.f.Close() }
