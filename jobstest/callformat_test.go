package jobstest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestCallPrintsOptionValues formats a recorded call the way a failing test
// would print it: the options show their values, never pointer addresses.
func TestCallPrintsOptionValues(t *testing.T) {
	opts := jobs.ResolveEnqueueOptions(
		jobs.WithQueue("emails"),
		jobs.WithPriority(jobs.PriorityHigh),
		jobs.WithMaxRetries(7),
		jobs.WithRetryPolicy(jobs.RetryPolicy{Backoff: jobs.BackoffLinear, InitialDelay: 2 * time.Second}),
		jobs.WithTimeout(30*time.Second),
		jobs.WithMetadata("b", "2"),
		jobs.WithMetadata("a", "1"),
		jobs.Unique(time.Minute),
	)
	call := Call[struct{ To string }]{Args: struct{ To string }{"ada"}, Options: opts}
	tests := []struct {
		format string
		want   string
	}{
		{"%v", "{{ada}  0001-01-01 00:00:00 +0000 UTC {Queue:emails Priority:high MaxRetries:7 Metadata:map[a:1 b:2] Retry:{Backoff:linear InitialDelay:2s} Timeout:30s Unique:{TTL:1m0s}} "},
		{"%+v", "Options:{Queue:emails Priority:high MaxRetries:7 Metadata:map[a:1 b:2] Retry:{Backoff:linear InitialDelay:2s} Timeout:30s Unique:{TTL:1m0s}}"},
	}
	for _, tt := range tests {
		got := fmt.Sprintf(tt.format, call)
		if !strings.Contains(got, tt.want) {
			t.Errorf("Sprintf(%q, call) = %s\nwant it to contain %s", tt.format, got, tt.want)
		}
		if strings.Contains(got, "0xc") {
			t.Errorf("Sprintf(%q, call) = %s: prints a pointer", tt.format, got)
		}
	}
	if got, want := fmt.Sprint(jobs.EnqueueOptions{}), "{}"; got != want {
		t.Errorf("zero options print %q, want %q", got, want)
	}
}
