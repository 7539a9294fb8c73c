package model

import (
	"fmt"
	"go/types"
	"reflect"
)

// JSONProblem reports why values of t cannot round-trip through
// encoding/json, or "" when they can. It walks every type reachable through
// exported (and embedded) fields, elements and pointers, once per named
// type so that recursive types end. A named type with its own
// MarshalJSON/MarshalText (and, when decode is set, UnmarshalJSON/
// UnmarshalText) is trusted as is. decode asks for the decoding side too:
// args are encoded by the client and decoded by the worker, results are only
// encoded. qual formats type names in the message.
func JSONProblem(t types.Type, decode bool, qual types.Qualifier) string {
	w := walker{decode: decode, qual: qual, seen: make(map[*types.Named]bool)}
	return w.check(t, types.TypeString(t, qual))
}

type walker struct {
	decode bool
	qual   types.Qualifier
	seen   map[*types.Named]bool
}

func (w *walker) check(t types.Type, path string) string {
	t = types.Unalias(t)
	if n, ok := t.(*types.Named); ok {
		if w.seen[n] {
			return ""
		}
		w.seen[n] = true
		if w.customJSON(n) {
			return ""
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch u.Kind() {
		case types.Complex64, types.Complex128, types.UntypedComplex:
			return w.bad(path, t, "complex numbers have no JSON form")
		case types.UnsafePointer:
			return w.bad(path, t, "unsafe pointers have no JSON form")
		}
	case *types.Chan:
		return w.bad(path, t, "channels have no JSON form")
	case *types.Signature:
		return w.bad(path, t, "functions have no JSON form")
	case *types.Interface:
		if w.decode && u.NumMethods() > 0 {
			return w.bad(path, t, "encoding/json cannot decode into an interface with methods")
		}
	case *types.Pointer:
		return w.check(u.Elem(), path)
	case *types.Slice:
		return w.check(u.Elem(), path+"[]")
	case *types.Array:
		return w.check(u.Elem(), path+"[]")
	case *types.Map:
		if !w.validKey(u.Key()) {
			return w.bad(path, t, "JSON object keys must be strings, integers or encoding.TextMarshaler types")
		}
		return w.check(u.Elem(), path+"[key]")
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			name, ok := jsonField(f, u.Tag(i))
			if !ok {
				continue
			}
			if msg := w.check(f.Type(), path+"."+name); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func (w *walker) bad(path string, t types.Type, why string) string {
	return fmt.Sprintf("%s has type %s: %s", path, types.TypeString(t, w.qual), why)
}

// jsonField reports whether encoding/json encodes f, and under which Go name
// the path shows it.
func jsonField(f *types.Var, tag string) (string, bool) {
	if reflect.StructTag(tag).Get("json") == "-" {
		return "", false
	}
	if f.Exported() {
		return f.Name(), true
	}
	if !f.Embedded() {
		return "", false
	}
	// An unexported embedded struct still contributes its exported fields.
	t := types.Unalias(f.Type())
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	_, isStruct := t.Underlying().(*types.Struct)
	return f.Name(), isStruct
}

// customJSON reports whether n encodes (and, when decoding, decodes) itself.
func (w *walker) customJSON(n *types.Named) bool {
	ms := types.NewMethodSet(types.NewPointer(n))
	has := func(names ...string) bool {
		for _, name := range names {
			if ms.Lookup(n.Obj().Pkg(), name) != nil {
				return true
			}
		}
		return false
	}
	if !has("MarshalJSON", "MarshalText") {
		return false
	}
	return !w.decode || has("UnmarshalJSON", "UnmarshalText")
}

// validKey reports whether encoding/json accepts k as a map key type.
func (w *walker) validKey(k types.Type) bool {
	if n, ok := types.Unalias(k).(*types.Named); ok {
		ms := types.NewMethodSet(types.NewPointer(n))
		if ms.Lookup(n.Obj().Pkg(), "MarshalText") != nil {
			return true
		}
	}
	b, ok := k.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsString|types.IsInteger) != 0
}
