package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jobsgo/jobs/internal/jobgen"
)

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-version"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
	if got, want := out.String(), "jobgen "+jobgen.Version+"\n"; got != want {
		t.Errorf("-version printed %q, want %q", got, want)
	}
}

func TestBadFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-nope"}, &out, &errOut); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errOut.String(), "usage: jobgen") {
		t.Errorf("stderr %q lacks the usage", errOut.String())
	}
}

// TestErrorsExitOneAndWriteNothing runs jobgen on a package full of
// mistakes: every one is printed as file:line:col: message, the exit status
// is 1 and no file is written.
func TestErrorsExitOneAndWriteNothing(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"-out", out, "../../internal/jobgen/testdata/errors/options"}, &stdout, &stderr)
	if code != exitError {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitError, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 12 {
		t.Errorf("got %d diagnostics, want 12:\n%s", len(lines), stderr.String())
	}
	want := "../../internal/jobgen/testdata/errors/options/options.go:10:16: unknown option \"queu\" (did you mean queue?)"
	if lines[0] != want {
		t.Errorf("first diagnostic %q, want %q", lines[0], want)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("jobgen wrote %d files despite errors", len(entries))
	}
}

// repoRoot finds the module root from the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module github.com/jobsgo/jobs\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("module root not found")
		}
		dir = parent
	}
}

// e2eModule builds jobgen, lays out a module that uses jobs through a
// replace directive, and runs go generate in it, as a user would.
func e2eModule(t *testing.T) (dir string, env []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs Go programs")
	}
	root := repoRoot(t)
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "jobgen"), ".").CombinedOutput(); err != nil {
		t.Fatalf("build jobgen: %v\n%s", err, out)
	}
	dir = t.TempDir()
	gomod := "module example.com/e2e\n\ngo 1.26\n\nrequire github.com/jobsgo/jobs v0.0.0\n\nreplace github.com/jobsgo/jobs => " + root + "\n"
	copyFile(t, filepath.Join(dir, "go.mod"), []byte(gomod))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(dir, "go.sum"), sum)
	for _, f := range []string{"main.go", "app/app.go"} {
		b, err := os.ReadFile(filepath.Join("testdata", "e2e", f))
		if err != nil {
			t.Fatal(err)
		}
		copyFile(t, filepath.Join(dir, f), b)
	}
	env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	goCmd(t, dir, env, "generate", "./...")
	return dir, env
}

func copyFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestEndToEnd generates code in a fresh module, then runs a program that
// registers the handlers, enqueues through the typed client on the memory
// backend (singly, in a batch and from a PeriodicX schedule) and reports
// each job's outcome and typed result.
func TestEndToEnd(t *testing.T) {
	dir, env := e2eModule(t)
	for _, f := range []string{"jobs/jobs_gen.go", "jobs/jobs_mock_gen.go"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("go generate did not write %s: %v", f, err)
		}
	}
	got := goCmd(t, dir, env, "run", ".")
	want := `greet queue=greetings priority=high max_retries=7 tenant="" state=completed attempts=1 result={"text":"Hello, Ada"}
greet queue=greetings priority=low max_retries=7 tenant="" state=completed attempts=1 result={"text":"Hello, Bob"}
greet queue=greetings priority=high max_retries=7 tenant="" state=completed attempts=1 result={"text":"Hello, Later"}
count queue=default priority=normal max_retries=3 tenant="" state=completed attempts=3 result=
audit queue=tenants priority=normal max_retries=3 tenant="acme" state=completed attempts=1 result={"tenant":"acme","event":"login"}
typed: "Hello, Ada" "Hello, Bob" count=ok audit={Tenant:acme Event:login}
batch: greet queue=greetings priority=low "Hello, Cy"
batch: greet queue=greetings priority=low "Hello, Di"
failed: state=failed error="flaky"
periodic: job periodic:audit-tick:... result={Tenant:acme Event:tick}
counter=5 middleware=5
`
	if got != want {
		t.Errorf("program output:\n%s\nwant:\n%s", got, want)
	}

	// A second go generate changes nothing.
	before := readAll(t, dir)
	goCmd(t, dir, env, "generate", "./...")
	if after := readAll(t, dir); after != before {
		t.Error("a second go generate changed the generated files")
	}
}

func readAll(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for _, f := range []string{"jobs/jobs_gen.go", "jobs/jobs_mock_gen.go"} {
		c, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(c)
	}
	return b.String()
}

// TestWrongArgsDoNotCompile shows the typed client refusing, at compile
// time, the wrong args type, a tenant job without a tenant and a result
// taken as the wrong type.
func TestWrongArgsDoNotCompile(t *testing.T) {
	dir, env := e2eModule(t)
	b, err := os.ReadFile(filepath.Join("testdata", "e2e", "wrong", "wrong.go"))
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(dir, "wrong", "wrong.go"), b)
	cmd := exec.Command("go", "build", "./wrong")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("go build of wrong.go succeeded")
	}
	for _, want := range []string{
		"cannot use app.CountArgs{…} (value of struct type app.CountArgs) as app.GreetArgs value in argument to c.EnqueueGreet",
		"c.EnqueueAudit undefined (type *jobs.Client has no field or method EnqueueAudit",
		"value of struct type app.Greeting) as string value in assignment",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("build output lacks %q:\n%s", want, out)
		}
	}
}
