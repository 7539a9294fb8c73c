package backendtest

import (
	"testing"

	"github.com/jobsgo/jobs/runtime"
)

// RunJobFeatures runs the conformance tests of unique jobs (runtime.Unique),
// cancelling running jobs (Store.Cancel with runtime.CancelNotifier) and
// periodic tick claims (runtime.PeriodicStore), each as a subtest on a
// backend of its own made by newBackend (see Run). The backends must
// implement runtime.CancelNotifier and runtime.PeriodicStore.
func RunJobFeatures(t *testing.T, newBackend func(t *testing.T, clock runtime.Clock) runtime.Backend) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Unique", uniqueTests},
		{"Cancel", cancelTests},
		{"Periodic", periodicTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					s := newSuite(t, newBackend)
					if _, ok := s.b.(runtime.CancelNotifier); !ok {
						t.Fatalf("%T does not implement runtime.CancelNotifier", s.b)
					}
					if _, ok := s.b.(runtime.PeriodicStore); !ok {
						t.Fatalf("%T does not implement runtime.PeriodicStore", s.b)
					}
					tc.run(s)
				})
			}
		})
	}
}
