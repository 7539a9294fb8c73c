package directive

import (
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/google/go-cmp/cmp"
)

func intp(n int) *int { return &n }

func TestIsDirective(t *testing.T) {
	for line, want := range map[string]bool{
		"//jobs:handler":                true,
		"//jobs:handler queue=emails":   true,
		"//jobs:handler\tqueue=emails":  true,
		"// jobs:handler":               false,
		"//jobs:handlers":               false,
		"//jobs:handler=x":              false,
		"//go:generate jobgen":          false,
		"/*jobs:handler*/":              false,
		"// SendEmail //jobs:handler x": false,
	} {
		if got := IsDirective(line); got != want {
			t.Errorf("IsDirective(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		line string
		want Directive
	}{
		{"//jobs:handler", Directive{Offsets: map[string]int{}}},
		{"//jobs:handler name=send_email", Directive{Name: "send_email", Offsets: map[string]int{"name": 15}}},
		{"//jobs:handler name=billing.charge-invoice:v2/eu", Directive{Name: "billing.charge-invoice:v2/eu", Offsets: map[string]int{"name": 15}}},
		{"//jobs:handler queue=emails", Directive{Queue: "emails", Offsets: map[string]int{"queue": 15}}},
		{"//jobs:handler priority=critical", Directive{Priority: jobs.PriorityCritical, Offsets: map[string]int{"priority": 15}}},
		{"//jobs:handler priority=high", Directive{Priority: jobs.PriorityHigh, Offsets: map[string]int{"priority": 15}}},
		{"//jobs:handler priority=normal", Directive{Priority: jobs.PriorityNormal, Offsets: map[string]int{"priority": 15}}},
		{"//jobs:handler priority=low", Directive{Priority: jobs.PriorityLow, Offsets: map[string]int{"priority": 15}}},
		{"//jobs:handler max_retries=0", Directive{MaxRetries: intp(0), Offsets: map[string]int{"max_retries": 15}}},
		{"//jobs:handler max_retries=25", Directive{MaxRetries: intp(25), Offsets: map[string]int{"max_retries": 15}}},
		{"//jobs:handler backoff=exponential", Directive{Backoff: jobs.BackoffExponential, Offsets: map[string]int{"backoff": 15}}},
		{"//jobs:handler backoff=linear", Directive{Backoff: jobs.BackoffLinear, Offsets: map[string]int{"backoff": 15}}},
		{"//jobs:handler backoff=constant", Directive{Backoff: jobs.BackoffConstant, Offsets: map[string]int{"backoff": 15}}},
		{"//jobs:handler initial_delay=500ms", Directive{InitialDelay: 500 * time.Millisecond, Offsets: map[string]int{"initial_delay": 15}}},
		{"//jobs:handler max_delay=10m", Directive{MaxDelay: 10 * time.Minute, Offsets: map[string]int{"max_delay": 15}}},
		{"//jobs:handler timeout=1h30m", Directive{Timeout: 90 * time.Minute, Offsets: map[string]int{"timeout": 15}}},
		{"//jobs:handler tenant", Directive{Tenant: true, Offsets: map[string]int{"tenant": 15}}},
		{`//jobs:handler queue="emails" name="a.b" tenant`, Directive{Queue: "emails", Name: "a.b", Tenant: true, Offsets: map[string]int{"queue": 15, "name": 30, "tenant": 41}}},
		{
			"//jobs:handler  name=a\tqueue=q priority=low max_retries=7 backoff=linear initial_delay=2s max_delay=1m timeout=45s tenant ",
			Directive{
				Name: "a", Queue: "q", Priority: jobs.PriorityLow, MaxRetries: intp(7), Backoff: jobs.BackoffLinear,
				InitialDelay: 2 * time.Second, MaxDelay: time.Minute, Timeout: 45 * time.Second, Tenant: true,
				Offsets: map[string]int{"name": 16, "queue": 23, "priority": 31, "max_retries": 44, "backoff": 58,
					"initial_delay": 73, "max_delay": 90, "timeout": 103, "tenant": 115},
			},
		},
		// The delays compare with the runtime defaults (1s, 60s) when one is missing.
		{"//jobs:handler initial_delay=60s", Directive{InitialDelay: time.Minute, Offsets: map[string]int{"initial_delay": 15}}},
		{"//jobs:handler max_delay=1s", Directive{MaxDelay: time.Second, Offsets: map[string]int{"max_delay": 15}}},
		{"//jobs:handler initial_delay=5s max_delay=5s", Directive{InitialDelay: 5 * time.Second, MaxDelay: 5 * time.Second, Offsets: map[string]int{"initial_delay": 15, "max_delay": 32}}},
	}
	for _, tt := range tests {
		got, errs := Parse(tt.line)
		if len(errs) > 0 {
			t.Errorf("Parse(%q): unexpected errors %v", tt.line, errs)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.line, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		line string
		want []Error
	}{
		{"//jobs:handler queu=emails", []Error{{15, `unknown option "queu" (did you mean queue?)`}}},
		{"//jobs:handler maxretries=3", []Error{{15, `unknown option "maxretries" (did you mean max_retries?)`}}},
		{"//jobs:handler color=red", []Error{{15, `unknown option "color" (want name, queue, priority, max_retries, backoff, initial_delay, max_delay, timeout or tenant)`}}},
		{"//jobs:handler queue", []Error{{15, "option queue needs a value (queue=...)"}}},
		{"//jobs:handler queue=", []Error{{15, "option queue has an empty value"}}},
		{"//jobs:handler tenant=true", []Error{{15, "option tenant is a flag and takes no value (write just tenant)"}}},
		{"//jobs:handler queue=a queue=b", []Error{{23, "option queue repeated"}}},
		{"//jobs:handler tenant tenant", []Error{{22, "option tenant repeated"}}},
		{"//jobs:handler max_retries=x max_retries=1", []Error{{15, `option max_retries: "x" is not a whole number`}, {29, "option max_retries repeated"}}},
		{"//jobs:handler max_retries=-1", []Error{{15, "option max_retries: -1 is negative"}}},
		{"//jobs:handler max_retries=1.5", []Error{{15, `option max_retries: "1.5" is not a whole number`}}},
		{"//jobs:handler priority=urgent", []Error{{15, `option priority: unknown priority "urgent" (want critical, high, normal or low)`}}},
		{"//jobs:handler backoff=fibonacci", []Error{{15, `option backoff: unknown backoff "fibonacci" (want exponential, linear or constant)`}}},
		{"//jobs:handler timeout=30", []Error{{15, `option timeout: "30" is not a duration (write e.g. 500ms, 30s, 5m, 1h)`}}},
		{"//jobs:handler timeout=0s", []Error{{15, "option timeout: 0s is not positive"}}},
		{"//jobs:handler initial_delay=-1s", []Error{{15, "option initial_delay: -1s is not positive"}}},
		{"//jobs:handler max_delay=soon", []Error{{15, `option max_delay: "soon" is not a duration (write e.g. 500ms, 30s, 5m, 1h)`}}},
		{"//jobs:handler initial_delay=2m max_delay=1m", []Error{{15, "initial_delay 2m0s is above max_delay 1m0s"}}},
		{"//jobs:handler initial_delay=2m", []Error{{15, "initial_delay 2m0s is above the default max_delay 1m0s"}}},
		{"//jobs:handler max_delay=500ms", []Error{{15, "the default initial_delay 1s is above max_delay 500ms"}}},
		{"//jobs:handler name=9lives", []Error{{15, `job type "9lives" must start with an ASCII letter`}}},
		{"//jobs:handler name=send\"email", []Error{{15, `job type "send\"email" contains '"'; use letters, digits and _ . - : /`}}},
		{"//jobs:handler name=émail", []Error{{15, `job type "émail" must start with an ASCII letter`}}},
		{"//jobs:handler queue=a{b}", []Error{{15, `queue name "a{b}" contains '{'; use letters, digits and _ . - : /`}}},
		{"//jobs:handler name=" + string(make201()), []Error{{15, `job type "` + string(make201()) + `" is longer than 200 bytes`}}},
		{
			// Every mistake is reported, in order, not only the first.
			"//jobs:handler queue priority=top foo timeout=x tenant=1",
			[]Error{
				{15, "option queue needs a value (queue=...)"},
				{21, `option priority: unknown priority "top" (want critical, high, normal or low)`},
				{34, `unknown option "foo" (want name, queue, priority, max_retries, backoff, initial_delay, max_delay, timeout or tenant)`},
				{38, `option timeout: "x" is not a duration (write e.g. 500ms, 30s, 5m, 1h)`},
				{48, "option tenant is a flag and takes no value (write just tenant)"},
			},
		},
	}
	for _, tt := range tests {
		_, errs := Parse(tt.line)
		if diff := cmp.Diff(tt.want, errs); diff != "" {
			t.Errorf("Parse(%q) errors mismatch (-want +got):\n%s", tt.line, diff)
		}
	}
}

func make201() []byte {
	b := make([]byte, 201)
	for i := range b {
		b[i] = 'a'
	}
	return b
}

func TestRetryPolicy(t *testing.T) {
	d, _ := Parse("//jobs:handler max_retries=3 timeout=1s")
	if p := d.RetryPolicy(); p != nil {
		t.Errorf("RetryPolicy() = %+v, want nil without backoff or delays", p)
	}
	d, _ = Parse("//jobs:handler backoff=constant initial_delay=2s")
	want := &jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: 2 * time.Second}
	if diff := cmp.Diff(want, d.RetryPolicy()); diff != "" {
		t.Errorf("RetryPolicy() mismatch (-want +got):\n%s", diff)
	}
}

func TestCheckJobType(t *testing.T) {
	if msg := CheckJobType("send_email"); msg != "" {
		t.Errorf("CheckJobType(send_email) = %q", msg)
	}
	if msg := CheckJobType("_x"); msg == "" {
		t.Error("CheckJobType(_x) accepted a leading underscore")
	}
}
