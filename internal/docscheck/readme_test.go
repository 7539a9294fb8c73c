package docscheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeGoBlocksAreCompiledCode fails when a ```go block of README.md
// is not a run of lines of some .go file (compared with leading and
// trailing white space trimmed, blank lines ignored).
func TestReadmeGoBlocksAreCompiledCode(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go blocks")
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
	for i, b := range blocks {
		want := normalize(b)
		found := false
		for _, src := range sources {
			if strings.Contains(src, want) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md go block %d is not in any .go file of the module:\n%s", i+1, b)
		}
	}
}

// goBlocks returns the bodies of the ```go fenced blocks of markdown.
func goBlocks(markdown string) []string {
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(markdown, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
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
