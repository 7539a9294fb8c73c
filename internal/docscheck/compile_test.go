package docscheck

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// standardImports are the standard library packages README snippets use
// without importing them.
var standardImports = map[string]string{
	"context": "context", "errors": "errors", "fmt": "fmt", "log": "log", "slog": "log/slog",
	"os": "os", "sql": "database/sql", "testing": "testing", "time": "time", "http": "net/http",
}

// TestReadmeGoBlocksCompile compiles every ```go block of README.md as a
// reader who copies it would: complete files as they are, declarations
// with a package clause and imports, statements in a function with the
// README's stated names in scope (Scope) in the package of the first
// complete file (the worker program of "Run workers"). The blocks are written to
// scratch packages inside the module, built with go build and go vet
// (which type-checks the test files too) and, where they declare tests, run with go test.
func TestReadmeGoBlocksCompile(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	readme, err := filepath.Abs("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	blocks := GoBlocks(string(text))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go blocks")
	}
	imports := moduleImports(t)
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	scratch, err := os.MkdirTemp("testdata", "readme-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(scratch); os.Remove("testdata") })
	// Statements go into the package of the first complete file.
	statementsDir, statementsPkg := filepath.Join(scratch, "statements"), "statements"
	for i, b := range blocks {
		if b.Kind() == CompleteFile {
			statementsDir, statementsPkg = filepath.Join(scratch, fmt.Sprintf("block%d", i+1)), b.Package()
			break
		}
	}
	var tested []string
	for i, b := range blocks {
		dir, pkg := filepath.Join(scratch, fmt.Sprintf("block%d", i+1)), fmt.Sprintf("readme%d", i+1)
		if b.Kind() == Statements {
			dir, pkg = statementsDir, statementsPkg
		}
		src, err := b.Source(pkg, readme, imports)
		if err != nil {
			t.Errorf("README.md:%d: the go block does not parse as a file, declarations or statements: %v", b.Line, err)
			continue
		}
		name := fmt.Sprintf("block%d.go", i+1)
		if b.Kind() == Declarations {
			name = fmt.Sprintf("block%d_test.go", i+1)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?m)^func Test`).MatchString(b.Code) {
			tested = append(tested, "./"+filepath.ToSlash(dir))
		}
	}
	// go build lists every compile error of a package, go vet only the
	// first, but vet also compiles the _test.go files and checks more.
	for _, cmd := range []string{"build", "vet"} {
		if out, err := exec.Command("go", cmd, "./"+filepath.ToSlash(scratch)+"/...").CombinedOutput(); err != nil {
			t.Fatalf("README.md go blocks do not compile (go %s: %v):\n%s", cmd, err, out)
		}
	}
	if len(tested) > 0 {
		if out, err := exec.Command("go", append([]string{"test", "-count=1"}, tested...)...).CombinedOutput(); err != nil {
			t.Errorf("README.md tests fail (go test: %v):\n%s", err, out)
		}
	}
}

// moduleImports maps the names of the module's importable packages (and
// standardImports, and the jobsotel name README uses for package otel) to
// their import paths.
func moduleImports(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Name}} {{.ImportPath}}", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := make(map[string]string, len(standardImports))
	for name, path := range standardImports {
		imports[name] = path
	}
	for _, line := range strings.Split(string(bytes.TrimSpace(out)), "\n") {
		name, path, _ := strings.Cut(line, " ")
		if name == "main" || strings.Contains(path, "/internal/") {
			continue
		}
		imports[name] = path
		if strings.HasSuffix(path, "/jobs/otel") {
			imports["jobsotel"] = path
		}
	}
	return imports
}
