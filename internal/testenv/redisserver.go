package testenv

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// StartRedis runs a private redis-server with the given configuration
// arguments (e.g. "--maxmemory-policy", "allkeys-lru") on a Unix socket in
// a fresh directory, stops it when the test ends and returns its URL, for
// tests of how the code meets a server's configuration. Without
// redis-server on the PATH it skips, and fails in CI.
func StartRedis(t testing.TB, args ...string) string {
	t.Helper()
	url, _ := StartRedisProcess(t, args...)
	return url
}

// StartRedisProcess is StartRedis that also returns the server's process,
// for tests that signal it (SIGSTOP freezes it, SIGCONT thaws it; it is
// thawed before it is stopped at the end of the test).
func StartRedisProcess(t testing.TB, args ...string) (string, *os.Process) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server is not on the PATH: CI must run the tests of server configurations (%v)", err)
		}
		t.Skipf("redis-server is not on the PATH: install it to run this test (%v)", err)
	}
	dir, err := os.MkdirTemp("", "rd") // short: a socket path is at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	cmd := exec.Command(bin, append([]string{"--port", "0", "--unixsocket", sock, "--dir", dir}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGCONT); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(5 * time.Second); !answers(sock); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server %q did not answer within 5 s:\n%s", args, out.String())
		}
	}
	return "unix://" + sock, cmd.Process
}

// answers reports whether the server on the Unix socket answers PING.
func answers(sock string) bool {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}
