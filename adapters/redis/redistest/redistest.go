// Package redistest gives tests of other packages a Redis backend of their
// own: on the test Redis (internal/testenv: skipped locally without one,
// failing in CI), under a fresh key prefix whose keys are deleted when the
// test ends.
package redistest

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/internal/testenv"
)

// New returns a backend on the test Redis with a fresh prefix, its options
// applied after the URL and prefix, and the prefix. The backend is closed
// and its keys deleted when t ends.
func New(t testing.TB, opts ...redis.Option) (*redis.Backend, string) {
	t.Helper()
	prefix := "jobstest:" + uuid.NewString()[:13]
	b, err := redis.New(append([]redis.Option{redis.WithURL(URL(t)), redis.WithPrefix(prefix)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		client := b.Client()
		iter := client.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		for len(keys) > 0 {
			n := min(len(keys), 1000)
			client.Unlink(ctx, keys[:n]...)
			keys = keys[n:]
		}
		b.Close()
	})
	return b, prefix
}

// URL is the test Redis's URL (testenv.RedisURL).
func URL(t testing.TB) string {
	t.Helper()
	return testenv.RedisURL(t)
}
