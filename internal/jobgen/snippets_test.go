package jobgen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// snippet is one source file, h.go in a module of its own, and the exact
// diagnostics jobgen must print for it (relative to the module's directory).
type snippet struct {
	name string
	src  string
	want []string
}

// checkSnippets runs jobgen on each snippet and compares every diagnostic.
func checkSnippets(t *testing.T, cases []snippet) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/snippet\n\ngo 1.24\n")
			writeFile(t, filepath.Join(dir, "h.go"), tc.src)
			files, err := Generate(Config{Dir: dir, Out: filepath.Join(dir, "gen"), RelTo: dir})
			if files != nil {
				t.Errorf("Generate returned %d files along with errors", len(files))
			}
			var diags model.Diagnostics
			if !errors.As(err, &diags) {
				t.Fatalf("Generate: %v; want diagnostics", err)
			}
			if diff := cmp.Diff(tc.want, strings.Split(diags.Error(), "\n")); diff != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
