package load

import (
	"go/ast"
	"go/token"
	"go/types"

	"github.com/jobsgo/jobs/internal/jobgen/model"
	"github.com/jobsgo/jobs/internal/plural"
)

// sigChecker checks one handler's declaration: receiver, parameters,
// results and the args and result types.
type sigChecker struct {
	l         *loader
	fd        *ast.FuncDecl
	fn        *types.Func
	h         *model.Handler
	tenantPos token.Position
}

func (s *sigChecker) check() {
	sig := s.fn.Signature()
	if recv := sig.Recv(); recv != nil {
		s.receiver(recv)
	}
	name := s.h.Describe()
	if !s.fn.Exported() {
		s.errorf(s.fd.Name.Pos(), "handler %s is unexported; generated code in another package must call it, so export it", name)
	}
	if tp := s.fd.Type.TypeParams; tp != nil {
		s.errorf(tp.Pos(), "handler %s is generic; a handler needs concrete args and result types", name)
	}
	s.params(sig, name)
	s.results(sig, name)
}

func (s *sigChecker) errorf(pos token.Pos, format string, args ...any) {
	s.l.diags.Addf(s.l.position(pos), format, args...)
}

func (s *sigChecker) qual(p *types.Package) string {
	if p == s.l.pkg.Types {
		return ""
	}
	return p.Name()
}

func (s *sigChecker) typeString(t types.Type) string { return types.TypeString(t, s.qual) }

func (s *sigChecker) receiver(recv *types.Var) {
	t := types.Unalias(recv.Type())
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	named, ok := t.(*types.Named)
	if !ok {
		return // not a valid method; the type checker said so
	}
	s.h.Recv = named
	pos := s.fd.Recv.Pos()
	if named.TypeParams().Len() > 0 {
		s.errorf(pos, "handler %s has a generic receiver type %s; Register cannot take it as a parameter", s.h.Describe(), named.Obj().Name())
	}
	if !named.Obj().Exported() {
		s.errorf(pos, "receiver type %s of handler %s is unexported; Register takes it as a parameter, so export it", named.Obj().Name(), s.h.Describe())
	}
}

const (
	plainShape  = "(ctx context.Context, args T)"
	tenantShape = "(ctx context.Context, tx *sql.Tx, args T)"
)

func (s *sigChecker) params(sig *types.Signature, name string) {
	params := sig.Params()
	pos := fieldPositions(s.fd.Type.Params)
	want, shape := 2, plainShape
	if s.h.Tenant {
		want, shape = 3, tenantShape
	}
	if params.Len() != want {
		switch {
		case !s.h.Tenant && params.Len() == 3 && isSQLTx(params.At(1).Type()):
			s.errorf(pos[1], "handler %s takes a *sql.Tx, which only tenant handlers get: add the tenant option to its directive", name)
		case s.h.Tenant && params.Len() == 2:
			s.l.diags.Addf(s.tenantPos, "handler %s has the tenant option but no *sql.Tx parameter; want %s", name, tenantShape)
		default:
			s.errorf(s.fd.Type.Params.Pos(), "handler %s takes %s; want %s", name, plural.Count(params.Len(), "parameter", "parameters"), shape)
		}
		return
	}
	if t := params.At(0).Type(); !isContext(t) {
		s.errorf(pos[0], "handler %s: first parameter is %s; want context.Context", name, s.typeString(t))
	}
	if s.h.Tenant {
		if t := params.At(1).Type(); !isSQLTx(t) {
			s.errorf(pos[1], "tenant handler %s: second parameter is %s; want *sql.Tx", name, s.typeString(t))
		}
	}
	last := want - 1
	if sig.Variadic() {
		s.errorf(pos[last], "handler %s: the args parameter is variadic; want a single args T", name)
		return
	}
	t := types.Unalias(params.At(last).Type())
	if p, ok := t.(*types.Pointer); ok {
		s.errorf(pos[last], "handler %s: args type %s is a pointer; take %s by value (each attempt decodes a fresh copy)", name, s.typeString(t), s.typeString(p.Elem()))
		return
	}
	if s.namedType(pos[last], "args", t, true) {
		s.h.Args = t
	}
}

func (s *sigChecker) results(sig *types.Signature, name string) {
	res := sig.Results()
	pos := fieldPositions(s.fd.Type.Results)
	const want = "want error or (R, error)"
	switch res.Len() {
	case 0:
		s.errorf(s.fd.Name.Pos(), "handler %s returns nothing; %s", name, want)
	case 1:
		if t := res.At(0).Type(); !isError(t) {
			s.errorf(pos[0], "handler %s returns %s; %s", name, s.typeString(t), want)
		}
	case 2:
		if t := res.At(1).Type(); !isError(t) {
			s.errorf(pos[1], "handler %s: second result is %s; want error", name, s.typeString(t))
		}
		t := types.Unalias(res.At(0).Type())
		base := t
		if p, ok := t.(*types.Pointer); ok {
			base = types.Unalias(p.Elem())
		}
		if s.namedType(pos[0], "result", base, false) {
			s.h.Result = t
		}
	default:
		s.errorf(s.fd.Type.Results.Pos(), "handler %s returns %d results; %s", name, res.Len(), want)
	}
}

// namedType checks that t is an exported named type that generated code can
// spell and that survives JSON, none of its data dropped, and reports
// whether it is.
func (s *sigChecker) namedType(pos token.Pos, role string, t types.Type, decode bool) bool {
	name := s.h.Describe()
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		example := s.h.Ident + "Args"
		if role == "result" {
			example = s.h.Ident + "Result"
		}
		s.errorf(pos, "handler %s: %s type %s is not a named type; declare one, e.g. type %s struct{...}", name, role, s.typeString(t), example)
		return false
	}
	if !n.Obj().Exported() {
		s.errorf(pos, "handler %s: %s type %s is unexported; generated code in another package must name it, so export it", name, role, s.typeString(t))
		return false
	}
	for i := range n.TypeArgs().Len() {
		if arg := n.TypeArgs().At(i); !nameable(arg) {
			s.errorf(pos, "handler %s: %s type %s has type argument %s, which generated code cannot spell; declare a named type for it", name, role, s.typeString(t), s.typeString(arg))
			return false
		}
	}
	if msg := model.JSONProblem(t, decode, s.qual); msg != "" {
		s.errorf(pos, "handler %s: %s type %s is not JSON-serialisable: %s", name, role, s.typeString(t), msg)
		return false
	}
	return s.droppedFields(pos, role, t, decode)
}

// nameable reports whether generated code can write t: exported named types
// and predeclared types, and pointers, slices, arrays and maps of them.
func nameable(t types.Type) bool {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return t.Kind() != types.UnsafePointer && t.Info()&types.IsUntyped == 0
	case *types.Named:
		if t.Obj().Pkg() != nil && !t.Obj().Exported() {
			return false
		}
		for i := range t.TypeArgs().Len() {
			if !nameable(t.TypeArgs().At(i)) {
				return false
			}
		}
		return true
	case *types.Pointer:
		return nameable(t.Elem())
	case *types.Slice:
		return nameable(t.Elem())
	case *types.Array:
		return nameable(t.Elem())
	case *types.Map:
		return nameable(t.Key()) && nameable(t.Elem())
	}
	return false
}

// fieldPositions returns the position of each parameter's type, one entry
// per parameter even when several share a field (a, b int).
func fieldPositions(fl *ast.FieldList) []token.Pos {
	if fl == nil {
		return nil
	}
	var out []token.Pos
	for _, f := range fl.List {
		for range max(1, len(f.Names)) {
			out = append(out, f.Type.Pos())
		}
	}
	return out
}

func isNamed(t types.Type, pkgPath, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkgPath && n.Obj().Name() == name
}

func isContext(t types.Type) bool { return isNamed(t, "context", "Context") }

func isSQLTx(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isNamed(p.Elem(), "database/sql", "Tx")
}

func isError(t types.Type) bool { return types.Identical(t, types.Universe.Lookup("error").Type()) }
