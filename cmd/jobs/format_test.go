package main

import (
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
)

// TestWriteRepairCounts: the summary line of jobs repair puts its nouns in
// the right number.
func TestWriteRepairCounts(t *testing.T) {
	problem := jobs.RepairProblem{Kind: jobs.RepairWrongType, Key: "k", Detail: "d"}
	for _, tt := range []struct {
		report jobs.RepairReport
		want   string
	}{
		{jobs.RepairReport{Queue: "q", Checked: 1}, "Queue q: 1 job checked, nothing to repair.\n"},
		{jobs.RepairReport{Queue: "q", Checked: 0}, "Queue q: 0 jobs checked, nothing to repair.\n"},
		{jobs.RepairReport{Queue: "q", Checked: 1, Problems: []jobs.RepairProblem{problem}}, "Queue q: 1 job checked, 1 problem found; run with --fix to repair them.\n"},
		{jobs.RepairReport{Queue: "q", Checked: 2, Fixed: true, Problems: []jobs.RepairProblem{problem, problem}}, "Queue q: 2 jobs checked, 2 problems repaired.\n"},
	} {
		var b strings.Builder
		if err := writeRepair(&b, tt.report); err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(b.String(), "\n")
		if got := lines[len(lines)-2]; got != tt.want {
			t.Errorf("writeRepair(%+v) ends %q, want %q", tt.report, got, tt.want)
		}
	}
}
