package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
)

func TestLoggingMiddleware(t *testing.T) {
	tests := []struct {
		name    string
		handler Handler
		want    []string
	}{
		{"success", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return json.RawMessage(`1`), nil },
			[]string{"level=DEBUG msg=\"jobs: attempt started\" job_id=j1 job_type=t queue=default attempt=2 tenant=acme",
				"level=INFO msg=\"jobs: attempt succeeded\" job_id=j1 job_type=t queue=default attempt=2 tenant=acme duration="}},
		{"failure", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return nil, errors.New("boom") },
			[]string{"level=WARN msg=\"jobs: attempt failed\" job_id=j1 job_type=t queue=default attempt=2 tenant=acme duration=", "err=boom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug,
				ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				}}))
			job := jobs.Job{ID: "j1", Type: "t", Queue: jobs.DefaultQueue, Attempt: 2, TenantID: "acme"}
			wantResult, wantErr := tt.handler(context.Background(), job)
			result, err := Logging(logger)(tt.handler)(context.Background(), job)
			if string(result) != string(wantResult) || (err == nil) != (wantErr == nil) {
				t.Fatalf("middleware changed the outcome: %s, %v", result, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, buf.String())
				}
			}
		})
	}
}

func TestRecoverPanicsKeepsStack(t *testing.T) {
	h := RecoverPanics(func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		var m map[string]int
		m["x"] = 1 // nil map write panics
		return nil, nil
	})
	_, err := h(context.Background(), jobs.Job{})
	var pe *PanicError
	if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "assignment to entry in nil map") || !strings.Contains(pe.Stack, "middleware_test.go") {
		t.Fatalf("err = %v (stack %q)", err, pe)
	}
}
