// Package directive parses the text of a //jobs:handler comment line. It is
// pure: it knows nothing of Go syntax or types, only of the option list, and
// reports each mistake with its byte offset in the line so that callers can
// turn it into a file:line:col position.
//
// Grammar (options separated by spaces or tabs, each at most once):
//
//	//jobs:handler [name=T] [queue=Q] [priority=critical|high|normal|low]
//	               [max_retries=N] [backoff=exponential|linear|constant]
//	               [initial_delay=D] [max_delay=D] [timeout=D] [tenant]
//
// A value may be a double-quoted Go string (queue="emails"). NearMiss finds
// comment lines that look like a misspelled directive.
package directive

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// Prefix starts a directive line. Like Go's own directives it has no space
// after the slashes; "// jobs:handler" is an ordinary comment.
const Prefix = "//jobs:handler"

// Option keys.
const (
	KeyName         = "name"
	KeyQueue        = "queue"
	KeyPriority     = "priority"
	KeyMaxRetries   = "max_retries"
	KeyBackoff      = "backoff"
	KeyInitialDelay = "initial_delay"
	KeyMaxDelay     = "max_delay"
	KeyTimeout      = "timeout"
	KeyTenant       = "tenant"
)

// keys lists the known options in the order the documentation gives them.
var keys = []string{KeyName, KeyQueue, KeyPriority, KeyMaxRetries, KeyBackoff, KeyInitialDelay, KeyMaxDelay, KeyTimeout, KeyTenant}

// Directive is a parsed //jobs:handler line. Zero fields were not given.
type Directive struct {
	Name         string
	Queue        string
	Priority     jobs.Priority
	MaxRetries   *int
	Backoff      jobs.Backoff
	InitialDelay time.Duration
	MaxDelay     time.Duration
	Timeout      time.Duration
	Tenant       bool
	// Offsets maps each option given to the byte offset of its key in the
	// line, for errors found later (a duplicate name, a tenant option on a
	// handler without a transaction).
	Offsets map[string]int
}

// Error is one mistake in a directive line.
type Error struct {
	Offset int // byte offset in the line, 0 being the first '/'
	Msg    string
}

// IsDirective reports whether a comment line (as go/ast gives it, slashes
// included) is a //jobs:handler directive.
func IsDirective(line string) bool {
	rest, ok := strings.CutPrefix(line, Prefix)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

// Parse parses a directive line, which must satisfy IsDirective. It returns
// every mistake found, in the order of the line; the Directive holds the
// options that parsed.
func Parse(line string) (Directive, []Error) {
	d := Directive{Offsets: make(map[string]int)}
	var errs []Error
	for _, f := range fields(line, len(Prefix)) {
		key, value, hasValue := strings.Cut(f.text, "=")
		if _, dup := d.Offsets[key]; dup {
			errs = append(errs, Error{f.offset, fmt.Sprintf("option %s repeated", key)})
			continue
		}
		value, msg := unquote(key, value)
		if msg == "" {
			msg = d.set(key, value, hasValue)
		}
		if msg != "" {
			errs = append(errs, Error{f.offset, msg})
			if known(key) {
				d.Offsets[key] = f.offset // a bad value still counts as given
			}
			continue
		}
		d.Offsets[key] = f.offset
	}
	if msg := d.checkDelays(); msg != "" {
		off, ok := d.Offsets[KeyInitialDelay]
		if !ok {
			off = d.Offsets[KeyMaxDelay]
		}
		errs = append(errs, Error{off, msg})
	}
	return d, errs
}

// set applies one option and returns what is wrong with it, if anything.
func (d *Directive) set(key, value string, hasValue bool) string {
	if !known(key) {
		return unknownMessage(key)
	}
	if key == KeyTenant {
		if hasValue {
			return "option tenant is a flag and takes no value (write just tenant)"
		}
		d.Tenant = true
		return ""
	}
	if !hasValue {
		return fmt.Sprintf("option %s needs a value (%s=...)", key, key)
	}
	if value == "" {
		return fmt.Sprintf("option %s has an empty value", key)
	}
	switch key {
	case KeyName:
		if msg := checkName("job type", value); msg != "" {
			return msg
		}
		d.Name = value
	case KeyQueue:
		if msg := checkName("queue name", value); msg != "" {
			return msg
		}
		if err := jobs.ValidateQueueName(value); err != nil {
			return err.Error()
		}
		d.Queue = value
	case KeyPriority:
		p, err := jobs.ParsePriority(value)
		if err != nil {
			return "option priority: " + err.Error()
		}
		d.Priority = p
	case KeyMaxRetries:
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Sprintf("option max_retries: %q is not a whole number", value)
		}
		if n < 0 {
			return fmt.Sprintf("option max_retries: %d is negative", n)
		}
		d.MaxRetries = &n
	case KeyBackoff:
		b, err := jobs.ParseBackoff(value)
		if err != nil {
			return "option backoff: " + err.Error()
		}
		d.Backoff = b
	default: // the three durations
		v, msg := parseDuration(key, value)
		if msg != "" {
			return msg
		}
		switch key {
		case KeyInitialDelay:
			d.InitialDelay = v
		case KeyMaxDelay:
			d.MaxDelay = v
		default:
			d.Timeout = v
		}
	}
	return ""
}

// checkDelays compares the retry delays, taking the runtime's defaults for
// the one not given, so that a policy the runtime would refuse at
// registration is refused at generation instead.
func (d *Directive) checkDelays() string {
	if d.InitialDelay == 0 && d.MaxDelay == 0 {
		return ""
	}
	initial, maxDelay := d.InitialDelay, d.MaxDelay
	initialSrc, maxSrc := "initial_delay", "max_delay"
	if initial == 0 {
		initial, initialSrc = jobs.DefaultInitialDelay, "the default initial_delay"
	}
	if maxDelay == 0 {
		maxDelay, maxSrc = jobs.DefaultMaxDelay, "the default max_delay"
	}
	if initial > maxDelay {
		return fmt.Sprintf("%s %s is above %s %s", initialSrc, initial, maxSrc, maxDelay)
	}
	return ""
}

// RetryPolicy returns the retry policy the directive asks for, or nil when it
// sets none of backoff, initial_delay and max_delay.
func (d Directive) RetryPolicy() *jobs.RetryPolicy {
	if d.Backoff == "" && d.InitialDelay == 0 && d.MaxDelay == 0 {
		return nil
	}
	return &jobs.RetryPolicy{Backoff: d.Backoff, InitialDelay: d.InitialDelay, MaxDelay: d.MaxDelay}
}

func parseDuration(key, value string) (time.Duration, string) {
	v, err := time.ParseDuration(value)
	if err != nil {
		return 0, fmt.Sprintf("option %s: %q is not a duration (write e.g. 500ms, 30s, 5m, 1h)", key, value)
	}
	if v <= 0 {
		return 0, fmt.Sprintf("option %s: %s is not positive", key, value)
	}
	return v, ""
}

// checkName accepts the names the generator allows for job types and
// queues: a letter, then letters, digits and _ . - : /, at most 200 bytes.
// It is stricter than the runtime so that names stay portable across
// backends, URLs and metric labels.
func checkName(what, s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%s %q is longer than 200 bytes", what, s)
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter {
			return fmt.Sprintf("%s %q must start with an ASCII letter", what, s)
		}
		if !letter && !(r >= '0' && r <= '9') && !strings.ContainsRune("_.-:/", r) {
			return fmt.Sprintf("%s %q contains %q; use letters, digits and _ . - : /", what, s, r)
		}
	}
	return ""
}

// CheckJobType reports what is wrong with s as a job type name, or "".
func CheckJobType(s string) string { return checkName("job type", s) }

func known(key string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

func unknownMessage(key string) string {
	msg := fmt.Sprintf("unknown option %q", key)
	if best := suggestKey(key); best != "" {
		return msg + fmt.Sprintf(" (did you mean %s?)", best)
	}
	return msg + " (want " + strings.Join(keys[:len(keys)-1], ", ") + " or " + keys[len(keys)-1] + ")"
}

// suggestKey returns the option key an unknown key most likely means, or
// "". Case and - for _ do not count; a key within an edit distance of a
// third of its length (at least 2) qualifies, and one that contains the
// other (retries, time) counts as a single edit away; the nearest wins, the
// first listed on a tie.
func suggestKey(key string) string {
	norm := strings.ReplaceAll(strings.ToLower(key), "-", "_")
	limit := max(2, len(norm)/3)
	best, bestDist := "", limit+1
	for _, k := range keys {
		d := distance(norm, k)
		if len(norm) >= 4 && (strings.Contains(k, norm) || strings.Contains(norm, k)) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

type field struct {
	text   string
	offset int
}

// fields splits line[start:] at spaces and tabs, keeping offsets. A double
// quote starts a Go string literal, spaces included, that ends the field at
// its closing quote; an unclosed one runs to the end of the line, and
// unquote reports it.
func fields(line string, start int) []field {
	var out []field
	i := start
	for i < len(line) {
		if line[i] == ' ' || line[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			if line[j] != '"' {
				j++
				continue
			}
			quoted, err := strconv.QuotedPrefix(line[j:])
			if err != nil {
				j = len(line)
				break
			}
			j += len(quoted)
		}
		out = append(out, field{line[i:j], i})
		i = j
	}
	return out
}

// unquote returns an option's value without its quotes, when it is a
// double-quoted Go string, or what is wrong with the quoting.
func unquote(key, value string) (string, string) {
	if !strings.HasPrefix(value, `"`) {
		return value, ""
	}
	s, err := strconv.Unquote(value)
	if err != nil {
		return "", fmt.Sprintf(`option %s: %s is not a valid quoted value (a closing " is missing, or text follows it)`, key, value)
	}
	return s, ""
}
