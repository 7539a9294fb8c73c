package load

import (
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// droppedFields reports the fields of an args or result type t that
// encoding/json would leave out without being told to, and a type of which
// it would encode nothing. It reports whether there were none.
func (s *sigChecker) droppedFields(pos token.Pos, role string, t types.Type, decode bool) bool {
	name := s.h.Describe()
	ok := true
	if model.EncodesNothing(t, decode) {
		s.errorf(pos, "handler %s: %s type %s has no field encoding/json would encode, so every job would store {}: export its fields (or give it a MarshalJSON method)", name, role, s.typeString(t))
		ok = false
	}
	for _, d := range model.DroppedFields(t, decode, s.qual) {
		if d.Field.Name() == "_" {
			continue // padding, never data
		}
		ok = false
		if s.l.dropped[d.Field] {
			continue
		}
		if s.l.dropped == nil {
			s.l.dropped = make(map[*types.Var]bool)
		}
		s.l.dropped[d.Field] = true
		if at := s.l.fset.Position(d.Field.Pos()); s.l.inModule(at.Filename) {
			s.errorf(d.Field.Pos(), "%s is unexported, so encoding/json drops it from the %s of handler %s: export it, or tag it `json:\"-\"` to drop it on purpose", d.Path, role, name)
			continue
		}
		s.errorf(pos, "handler %s: %s type %s: %s is an unexported field of %s, which encoding/json drops: use a type that encodes its data (exported fields or a MarshalJSON method), or tag the field holding it `json:\"-\"` to drop it on purpose",
			name, role, s.typeString(t), d.Path, s.ownerOf(d.Field))
	}
	return ok
}

// ownerOf names the package that declares field f.
func (s *sigChecker) ownerOf(f *types.Var) string {
	if f.Pkg() == nil {
		return "an unnamed struct"
	}
	return "package " + f.Pkg().Path()
}

// inModule reports whether file is in one of the loaded packages' modules.
func (l *loader) inModule(file string) bool {
	for _, dir := range l.moduleDirs {
		if file == dir || strings.HasPrefix(file, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
