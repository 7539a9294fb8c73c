package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the path of the chromium binary the browser tests
// drive: $JOBS_TEST_CHROMIUM, else chromium on the PATH. Without one it
// skips the test, and fails it in CI (CI set), where the browser tests
// must run (scripts/test installs chromium).
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("JOBS_TEST_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("JOBS_TEST_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is not on the PATH and JOBS_TEST_CHROMIUM is not set: CI must run the browser tests (%v)", err)
		}
		t.Skipf("chromium is not on the PATH: install it (apt-get install chromium) or set JOBS_TEST_CHROMIUM to run the browser tests (%v)", err)
	}
	return p
}
