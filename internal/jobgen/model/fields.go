package model

import (
	"go/types"
	"reflect"
)

// DroppedField is a struct field that encoding/json leaves out without
// being told to: unexported, and not tagged json:"-".
type DroppedField struct {
	// Field is the struct field.
	Field *types.Var
	// Path names it from the top type, as JSONProblem does: Args.Inner.secret.
	Path string
}

// DroppedFields lists the fields of t, and of every type reachable from it
// through encoded fields, elements, pointers and map values, that
// encoding/json drops silently. Each named type is visited once, so
// recursive types end; named types that marshal themselves (see
// JSONProblem; decode as there) are skipped, their fields do not matter.
func DroppedFields(t types.Type, decode bool, qual types.Qualifier) []DroppedField {
	w := walker{decode: decode, qual: qual, seen: make(map[*types.Named]bool)}
	var out []DroppedField
	w.fields(t, types.TypeString(t, qual), &out)
	return out
}

func (w *walker) fields(t types.Type, path string, out *[]DroppedField) {
	t = types.Unalias(t)
	if n, ok := t.(*types.Named); ok {
		if w.seen[n] || w.customJSON(n) {
			return
		}
		w.seen[n] = true
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		w.fields(u.Elem(), path, out)
	case *types.Slice:
		w.fields(u.Elem(), path+"[]", out)
	case *types.Array:
		w.fields(u.Elem(), path+"[]", out)
	case *types.Map:
		w.fields(u.Elem(), path+"[key]", out)
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if name, ok := jsonField(f, u.Tag(i)); ok {
				w.fields(f.Type(), path+"."+name, out)
			} else if reflect.StructTag(u.Tag(i)).Get("json") != "-" {
				*out = append(*out, DroppedField{Field: f, Path: path + "." + f.Name()})
			}
		}
	}
}

// EncodesNothing reports whether t is a struct type with fields of which
// encoding/json encodes none (counting those promoted from embedded
// structs), so that every value is stored as {}. A struct without fields
// is not counted: it says on purpose that there is nothing to store. Types
// that marshal themselves encode what they choose.
func EncodesNothing(t types.Type, decode bool) bool {
	w := walker{decode: decode, seen: make(map[*types.Named]bool)}
	s, ok := w.structOf(t)
	return ok && s.NumFields() > 0 && !w.encodesSome(s)
}

// structOf returns t's struct type, unless t marshals itself.
func (w *walker) structOf(t types.Type) (*types.Struct, bool) {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	if n, ok := t.(*types.Named); ok {
		if w.seen[n] || w.customJSON(n) {
			return nil, false
		}
		w.seen[n] = true
	}
	s, ok := t.Underlying().(*types.Struct)
	return s, ok
}

func (w *walker) encodesSome(s *types.Struct) bool {
	for i := range s.NumFields() {
		f := s.Field(i)
		if _, ok := jsonField(f, s.Tag(i)); !ok {
			continue
		}
		if !f.Embedded() {
			return true
		}
		inner, ok := w.structOf(f.Type())
		if !ok || w.encodesSome(inner) {
			return true // an embedded non-struct (or self-marshalling type) is a field of its own
		}
	}
	return false
}
