package jobgen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiffMatchesDiffU compares Diff's hunks with those of diff -u on the
// same files.
func TestDiffMatchesDiffU(t *testing.T) {
	lines := func(n int, change map[int]string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s, ok := change[i]; ok {
				b.WriteString(s)
				continue
			}
			b.WriteString("line " + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name     string
		old, new string
	}{
		{"one change", lines(20, nil), lines(20, map[int]string{10: "changed\n"})},
		{"two hunks", lines(40, nil), lines(40, map[int]string{3: "x\n", 30: ""})},
		{"merged hunks", lines(20, nil), lines(20, map[int]string{5: "x\n", 11: "y\n"})},
		{"insert at start", lines(5, nil), "new\n" + lines(5, nil)},
		{"append", lines(5, nil), lines(5, nil) + "new\n"},
		{"no final newline", "a\nb\n", "a\nb"},
	}
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("no diff command")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			oldPath, newPath := filepath.Join(dir, "old"), filepath.Join(dir, "new")
			os.WriteFile(oldPath, []byte(tt.old), 0o644)
			os.WriteFile(newPath, []byte(tt.new), 0o644)
			want, _ := exec.Command("diff", "-u", oldPath, newPath).Output()
			// Drop diff's ---/+++ lines, which carry times.
			wantHunks := strings.SplitN(string(want), "\n", 3)[2]
			got, err := Diff([]File{{Path: oldPath, Content: []byte(tt.new)}}, dir)
			if err != nil {
				t.Fatal(err)
			}
			header := "--- a/old\n+++ b/old\n"
			if !strings.HasPrefix(got, header) {
				t.Fatalf("diff starts %q, want %q", got, header)
			}
			if gotHunks := strings.TrimPrefix(got, header); gotHunks != wantHunks {
				t.Errorf("hunks:\n%s\nwant (diff -u):\n%s", gotHunks, wantHunks)
			}
		})
	}
}

// TestDiffNewAndRemovedFiles shows a file to be written as added from
// /dev/null, one to be removed as going to /dev/null, and an unchanged one
// not at all.
func TestDiffNewAndRemovedFiles(t *testing.T) {
	dir := t.TempDir()
	same, gone := filepath.Join(dir, "same.go"), filepath.Join(dir, "gone.go")
	os.WriteFile(same, []byte("package p\n"), 0o644)
	os.WriteFile(gone, []byte("package p\n"), 0o644)
	got, err := Diff([]File{
		{Path: same, Content: []byte("package p\n")},
		{Path: filepath.Join(dir, "new.go"), Content: []byte("package p\n")},
		{Path: gone},
	}, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "--- /dev/null\n+++ b/new.go\n@@ -0,0 +1 @@\n+package p\n--- a/gone.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-package p\n"
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}
