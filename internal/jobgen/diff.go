package jobgen

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Diff compares files with what is on disk and returns a unified diff of
// the changes Write would make, "" when there are none. Paths are shown
// relative to relTo when it is set. It writes nothing.
func Diff(files []File, relTo string) (string, error) {
	var b strings.Builder
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			old = nil
		case err != nil:
			return "", err
		}
		if bytes.Equal(old, f.Content) {
			continue
		}
		name := f.Path
		if relTo != "" {
			if rel, err := filepath.Rel(relTo, f.Path); err == nil {
				name = rel
			}
		}
		from, to := "a/"+filepath.ToSlash(name), "b/"+filepath.ToSlash(name)
		if old == nil {
			from = "/dev/null"
		}
		if f.Content == nil {
			to = "/dev/null"
		}
		fmt.Fprintf(&b, "--- %s\n+++ %s\n", from, to)
		b.WriteString(unifiedHunks(splitLines(old), splitLines(f.Content), 3))
	}
	return b.String(), nil
}

// splitLines splits b into lines, each with its newline.
func splitLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// edit is one line of a diff: ' ' kept, '-' removed, '+' added.
type edit struct {
	op   byte
	line string
}

// lineEdits turns a into b with a longest common subsequence of lines,
// after taking off their common prefix and suffix. A middle too large for
// the quadratic table is shown as wholly removed, then wholly added.
func lineEdits(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []edit
	for _, l := range a[:pre] {
		out = append(out, edit{' ', l})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	const maxCells = 16 << 20
	if (len(ma)+1)*(len(mb)+1) > maxCells {
		for _, l := range ma {
			out = append(out, edit{'-', l})
		}
		for _, l := range mb {
			out = append(out, edit{'+', l})
		}
	} else {
		out = append(out, lcsEdits(ma, mb)...)
	}
	for _, l := range a[len(a)-suf:] {
		out = append(out, edit{' ', l})
	}
	return out
}

// lcsEdits is the edit script of a longest common subsequence of a and b.
func lcsEdits(a, b []string) []edit {
	w := len(b) + 1
	// lcs[i*w+j] is the length of an LCS of a[i:] and b[j:].
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	var out []edit
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, edit{' ', a[i]})
			i, j = i+1, j+1
		case j == len(b) || i < len(a) && lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, edit{'-', a[i]})
			i++
		default:
			out = append(out, edit{'+', b[j]})
			j++
		}
	}
	return out
}

// unifiedHunks formats the changes from a to b as unified diff hunks with
// context lines of context around each change.
func unifiedHunks(a, b []string, context int) string {
	edits := lineEdits(a, b)
	var out strings.Builder
	for start := 0; start < len(edits); {
		// Find the next change, then extend the hunk while changes are
		// within 2*context lines of each other.
		first := start
		for first < len(edits) && edits[first].op == ' ' {
			first++
		}
		if first == len(edits) {
			break
		}
		last := first
		for k := first; k < len(edits) && k <= last+2*context+1; k++ {
			if edits[k].op != ' ' {
				last = k
			}
		}
		from, to := max(first-context, 0), min(last+context+1, len(edits))
		// Line numbers (1-based) where the hunk starts in a and b.
		aLine, bLine := 1, 1
		for _, e := range edits[:from] {
			if e.op != '+' {
				aLine++
			}
			if e.op != '-' {
				bLine++
			}
		}
		var aCount, bCount int
		var body strings.Builder
		for _, e := range edits[from:to] {
			if e.op != '+' {
				aCount++
			}
			if e.op != '-' {
				bCount++
			}
			body.WriteByte(e.op)
			body.WriteString(e.line)
			if !strings.HasSuffix(e.line, "\n") {
				body.WriteString("\n\\ No newline at end of file\n")
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s", hunkRange(aLine, aCount), hunkRange(bLine, bCount), body.String())
		start = to
	}
	return out.String()
}

// hunkRange spells one side of a hunk header: start,count, with start the
// line before the hunk when it is empty, as diff -u does.
func hunkRange(start, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}
