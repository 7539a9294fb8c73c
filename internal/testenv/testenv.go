// Package testenv finds the real services (Redis, PostgreSQL) that
// integration tests run against. The README's test command (scripts/test)
// starts them and exports their addresses. Outside CI a test whose service
// is absent is skipped with a message saying how to run it; in CI (CI set
// to a non-empty value) it fails, so integration tests never silently skip
// there.
package testenv

import (
	"os"
	"testing"
)

// Environment variables that hold the services' addresses.
const (
	RedisURLVar    = "JOBS_TEST_REDIS_URL"    // e.g. redis://127.0.0.1:6390/0
	DatabaseURLVar = "JOBS_TEST_DATABASE_URL" // e.g. postgres://postgres@127.0.0.1:5433/jobs_test?sslmode=disable
)

// RedisURL returns the test Redis URL, or skips (fails in CI) without one.
func RedisURL(t testing.TB) string {
	t.Helper()
	return lookup(t, RedisURLVar, "Redis")
}

// DatabaseURL returns the test PostgreSQL URL, or skips (fails in CI)
// without one.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return lookup(t, DatabaseURLVar, "PostgreSQL")
}

func lookup(t testing.TB, name, service string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set: CI must run the %s integration tests (use scripts/test)", name, service)
	}
	t.Skipf("%s is not set: run scripts/test to start %s and run this test", name, service)
	return ""
}
