package memory_test

import (
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
		return memory.New(memory.WithClock(clock))
	})
}
