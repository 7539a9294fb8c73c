package faults

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// maxProblems is how many of a failed scenario's problems WriteFailures
// prints.
const maxProblems = 10

// WriteTable writes rows as a Markdown table: scenario, jobs, lost,
// duplicates allowed/seen, recovery time, verdict and notes.
func WriteTable(w io.Writer, rows []Row) {
	fmt.Fprintln(w, "| scenario | jobs | lost | duplicates allowed/seen | recovery | verdict | notes |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|---|---|")
	for _, r := range rows {
		verdict := "PASS"
		if !r.Passed() {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d/%d | %s | %s | %s |\n", r.Scenario, r.Result.Jobs, r.Result.Lost,
			r.Result.DuplicatesAllowed, r.Result.DuplicatesSeen, formatRecovery(r.Recovery), verdict, strings.Join(r.Notes, "; "))
	}
}

// WriteFailures writes why each failed row failed: its error, its first
// problems and where its files are.
func WriteFailures(w io.Writer, rows []Row) {
	for _, r := range rows {
		if r.Passed() {
			continue
		}
		fmt.Fprintf(w, "\n%s FAILED (files in %s)\n", r.Scenario, r.Dir)
		if r.Err != nil {
			fmt.Fprintf(w, "  error: %v\n", r.Err)
		}
		for i, p := range r.Result.Problems {
			if i == maxProblems {
				fmt.Fprintf(w, "  ... and %d more problems\n", len(r.Result.Problems)-maxProblems)
				break
			}
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

func formatRecovery(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
