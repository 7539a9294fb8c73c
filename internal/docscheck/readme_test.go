package docscheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeStatementsRunInExamples fails when a ```go block of README.md
// made of statements (see Statements) is not a run of lines of some .go
// file (compared with leading and trailing white space trimmed, blank lines
// ignored): each is quoted from an example whose output is checked, so it
// does what the README says. TestReadmeGoBlocksCompile compiles every block.
func TestReadmeStatementsRunInExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []Snippet
	for _, b := range GoBlocks(string(readme)) {
		if b.Kind() == Statements {
			blocks = append(blocks, b)
		}
	}
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go blocks of statements")
	}
	var sources []string
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "bench" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources = append(sources, normalize(string(b)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		want := normalize(b.Code)
		found := false
		for _, src := range sources {
			if strings.Contains(src, want) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md:%d: the go block is not in any .go file of the module:\n%s", b.Line, b.Code)
		}
	}
}

// normalize trims every line and drops blank ones, so that indentation
// and spacing do not matter; lines are joined with newlines on both sides
// so that Contains matches whole lines only.
func normalize(s string) string {
	var b strings.Builder
	b.WriteString("\n")
	for _, line := range strings.Split(s, "\n") {
		if l := strings.TrimSpace(line); l != "" {
			b.WriteString(l)
			b.WriteString("\n")
		}
	}
	return b.String()
}
