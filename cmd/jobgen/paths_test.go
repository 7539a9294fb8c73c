package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorPaths runs jobgen on a handler with a mistake in a package below
// a module's root, as a user would: by go generate ./... from the root, and
// directly from the root. Either way the file name in the error leads to the
// file from the directory the user is in (absolute under go generate, which
// runs jobgen in the package's directory; relative to the root otherwise).
func TestErrorPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Go programs")
	}
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "jobgen"), ".").CombinedOutput(); err != nil {
		t.Fatalf("build jobgen: %v\n%s", err, out)
	}
	dir := t.TempDir()
	copyFile(t, filepath.Join(dir, "go.mod"), []byte("module example.com/paths\n\ngo 1.24\n"))
	// The go:generate line is put together so that go generate does not
	// take it for one of this file's own.
	copyFile(t, filepath.Join(dir, "app", "h.go"), []byte("package app\n\nimport \"context\"\n\n//go"+`:generate jobgen

//jobs:handler queue=a{b}
func Run(ctx context.Context, args string) error { return nil }
`))
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=")
	msg := `:7:16: queue name "a{b}" contains '{'; use letters, digits and _ . - : /`
	for _, tt := range []struct {
		name string
		cmd  []string
		want string
	}{
		{"go generate from the root", []string{"go", "generate", "./..."}, filepath.Join(dir, "app", "h.go") + msg},
		{"jobgen from the root", []string{filepath.Join(bin, "jobgen"), "./app"}, filepath.Join("app", "h.go") + msg},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(tt.cmd[0], tt.cmd[1:]...)
			cmd.Dir, cmd.Env = dir, env
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("%s succeeded:\n%s", strings.Join(tt.cmd, " "), out)
			}
			if first := strings.SplitN(string(out), "\n", 2)[0]; first != tt.want {
				t.Errorf("%s printed\n%s\nwant first line\n%s", strings.Join(tt.cmd, " "), out, tt.want)
			}
		})
	}
}
