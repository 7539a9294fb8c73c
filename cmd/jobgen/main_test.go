package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	for _, f := range generatedFiles {
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

// generatedFiles are the files go generate writes in the e2e module.
var generatedFiles = []string{"jobs/jobs_gen.go", "jobs/jobsmock/jobs_mock_gen.go"}

func readAll(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for _, f := range generatedFiles {
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
		"c.EnqueueAudit undefined (type *\"example.com/e2e/jobs\".Client has no field or method EnqueueAudit",
		"value of struct type app.Greeting) as string value in assignment",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("build output lacks %q:\n%s", want, out)
		}
	}
}

// TestStaleCodeDoesNotCompile changes a handler's args type in the e2e
// module without regenerating: go build must fail, and its message must
// say to run go generate.
func TestStaleCodeDoesNotCompile(t *testing.T) {
	dir, env := e2eModule(t)
	greet := "//jobs:handler queue=greetings priority=high max_retries=7\nfunc Greet(ctx context.Context, args "
	changeHandler(t, dir, greet+"GreetArgs)", "// GreetRequest replaces GreetArgs.\ntype GreetRequest struct{ Name string }\n\n"+greet+"GreetRequest)")
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("go build of stale generated code succeeded")
	}
	want := "cannot use app.Greet (value of type func(ctx context.Context, args app.GreetRequest) (app.Greeting, error)) as handler_Greet_changed_run_go_generate value in variable declaration"
	if !strings.Contains(string(out), want) {
		t.Errorf("go build output lacks %q:\n%s", want, out)
	}
	if !strings.Contains(string(out), "run_go_generate") {
		t.Errorf("go build output does not say to run go generate:\n%s", out)
	}
	// Regenerated, the generated packages build again (their callers now
	// get the compile errors of a changed API).
	goCmd(t, dir, env, "generate", "./...")
	goCmd(t, dir, env, "build", "./app", "./jobs/...")
}

// changeHandler replaces old, which must occur once, in the e2e module's
// app/app.go.
func changeHandler(t *testing.T, dir, old, replacement string) {
	t.Helper()
	path := filepath.Join(dir, "app", "app.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(src), old) != 1 {
		t.Fatalf("app.go does not hold %q once", old)
	}
	copyFile(t, path, []byte(strings.Replace(string(src), old, replacement, 1)))
}

// TestCheck runs jobgen -check as CI would, with the go:generate line's
// arguments: status 0 and no output on freshly generated code; status 1
// and a unified diff once an annotation changed; and nothing written.
func TestCheck(t *testing.T) {
	dir, env := e2eModule(t)
	check := func() (int, string, string) {
		cmd := exec.Command(jobgenIn(env), "-check", "-out", "../jobs")
		cmd.Dir, cmd.Env = filepath.Join(dir, "app"), env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}
	if code, stdout, stderr := check(); code != exitOK || stdout != "" || stderr != "" {
		t.Fatalf("fresh code: exit %d, stdout %q, stderr %q; want 0 and nothing", code, stdout, stderr)
	}
	changeHandler(t, dir, "//jobs:handler tenant queue=tenants", "//jobs:handler tenant queue=audits")
	before := readAll(t, dir)
	code, stdout, stderr := check()
	if code != exitStale {
		t.Errorf("stale code: exit %d, want %d", code, exitStale)
	}
	for _, want := range []string{
		"--- a/../jobs/jobs_gen.go\n+++ b/../jobs/jobs_gen.go\n@@ ",
		"-\treturn []string{jobs.DefaultQueue, \"greetings\", \"tenants\"}\n+\treturn []string{\"audits\", jobs.DefaultQueue, \"greetings\"}\n",
		"--- a/../jobs/jobsmock/jobs_mock_gen.go\n+++ b/../jobs/jobsmock/jobs_mock_gen.go\n",
		"-\t\tjobs.WithQueue(\"tenants\"),\n+\t\tjobs.WithQueue(\"audits\"),\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "run go generate") {
		t.Errorf("stderr %q does not say to run go generate", stderr)
	}
	if readAll(t, dir) != before {
		t.Error("jobgen -check wrote files")
	}
}

// TestProgramDoesNotImportTesting lists the e2e program's dependencies: it
// imports the generated package, which must not bring in testing or
// jobstest, while the mock's package does.
func TestProgramDoesNotImportTesting(t *testing.T) {
	dir, env := e2eModule(t)
	deps := strings.Fields(goCmd(t, dir, env, "list", "-deps", "."))
	for _, pkg := range deps {
		if pkg == "testing" || pkg == "github.com/jobsgo/jobs/jobstest" {
			t.Errorf("the program depends on %s", pkg)
		}
	}
	if !slices.Contains(deps, "example.com/e2e/jobs") {
		t.Fatalf("the program does not import the generated package: %v", deps)
	}
	mockDeps := strings.Fields(goCmd(t, dir, env, "list", "-deps", "./jobs/jobsmock"))
	if !slices.Contains(mockDeps, "github.com/jobsgo/jobs/jobstest") {
		t.Errorf("the mock's package does not import jobstest: %v", mockDeps)
	}
}

// jobgenIn returns the path of the jobgen that e2eModule built, first on
// env's PATH.
func jobgenIn(env []string) string {
	for _, kv := range slices.Backward(env) {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			return filepath.Join(filepath.SplitList(p)[0], "jobgen")
		}
	}
	return "jobgen"
}
