package redis

import (
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/admin/admintest"
)

// TestAdminAPI runs the admin API's endpoint suite on Redis with both key
// protocols, each test on a fresh key prefix.
func TestAdminAPI(t *testing.T) {
	for _, c := range []struct {
		name    string
		cluster bool
	}{{"Standalone", false}, {"ClusterProtocol", true}} {
		t.Run(c.name, func(t *testing.T) {
			admintest.Run(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
				return newTestBackend(t, clock, withCluster(c.cluster))
			})
		})
	}
}
