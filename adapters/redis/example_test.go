package redis_test

import (
	"log"

	"github.com/jobsgo/jobs/adapters/redis"
)

// connectDeployments dials a Redis Cluster by its seed addresses and the
// master that three Redis Sentinels monitor as "jobs" (the README shows
// these lines).
func connectDeployments() error {
	cluster, err := redis.New(redis.WithClusterAddrs("10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"))
	if err != nil {
		return err
	}
	defer cluster.Close()
	sentinel, err := redis.New(redis.WithSentinel("jobs", "10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"))
	if err != nil {
		return err
	}
	defer sentinel.Close()
	return nil
}

// Dial a Redis Cluster, or the master found through Redis Sentinel; New
// connects lazily, so this runs without the servers.
func Example_deployments() {
	if err := connectDeployments(); err != nil {
		log.Fatal(err)
	}
}
