package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestProductionBuildDoesNotImportTesting lists the packages the demo
// program is built from: the generated package it imports must not bring
// in testing or the mock's jobstest, which live in the mock's own package.
func TestProductionBuildDoesNotImportTesting(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "testing" || pkg == "github.com/jobsgo/jobs/jobstest" {
			t.Errorf("the demo program depends on %s", pkg)
		}
	}
}
