package model

import (
	"fmt"
	"go/token"
	"sort"
	"strings"
)

// Diagnostic is one mistake in the annotated package, at a position.
type Diagnostic struct {
	Pos token.Position
	Msg string
}

// String formats d as file:line:col: message.
func (d Diagnostic) String() string {
	if !d.Pos.IsValid() {
		return d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// Diagnostics is every mistake of a run. As an error it prints one per line.
type Diagnostics []Diagnostic

// Addf appends a diagnostic at pos.
func (ds *Diagnostics) Addf(pos token.Position, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Sort orders ds by file, line and column, keeping the order of diagnostics
// at the same place, and drops exact repeats.
func (ds Diagnostics) Sort() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	var out Diagnostics
	for i, d := range ds {
		if i == 0 || d != ds[i-1] {
			out = append(out, d)
		}
	}
	return out
}

// Error returns the diagnostics one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}
