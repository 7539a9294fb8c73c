package memory_test

import (
	"testing"

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

func TestInspector(t *testing.T) {
	backendtest.RunInspector(t, func(t *testing.T, clock runtime.Clock) runtime.Backend {
		return memory.New(memory.WithClock(clock))
	})
}
