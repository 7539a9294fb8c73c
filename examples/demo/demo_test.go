package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jobsgo/jobs/internal/testenv"
)

// TestDemo runs the whole scenario; run itself fails when any job ends
// otherwise than the scenario expects.
func TestDemo(t *testing.T) {
	tests := []struct {
		name        string
		databaseURL func(t *testing.T) string
		want        []string
	}{
		{"in memory", func(*testing.T) string { return "" }, []string{
			"tenant jobs skipped: DATABASE_URL is not set",
			"image jobs ran in priority order: critical > high > normal > low",
		}},
		{"with tenants on PostgreSQL", func(t *testing.T) string { return testenv.DatabaseURL(t) }, []string{
			"tenant acme     schema demo_tenant_acme     notifications: 3",
			"tenant globex   schema demo_tenant_globex   notifications: 1",
			"tenant initech  schema demo_tenant_initech  notifications: 0",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), &out, config{databaseURL: tt.databaseURL(t)}); err != nil {
				t.Fatalf("demo failed: %v\n%s", err, out.String())
			}
			for _, s := range append(tt.want,
				"retrying  attempt 1 failed: charge invoice INV-1001: gateway: timeout after 10s",
				"dead-letter queue",
				"cancelled",
				"scheduled",
				"enqueued again: unique, so nothing new",
				"INV-1002 charged: ch_INV-1002 (its typed result)",
				`tick of schedule "cleanup" runs`,
				"== final stats",
			) {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}
