package memory_test

import (
	"testing"

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

func TestJobFeatures(t *testing.T) {
	backendtest.RunJobFeatures(t, func(t *testing.T, clock runtime.Clock) runtime.Backend {
		return memory.New(memory.WithClock(clock))
	})
}
