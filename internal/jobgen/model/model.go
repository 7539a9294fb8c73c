// Package model holds the validated description of a package's job handlers:
// what the load stage finds and the emit stage turns into code. New runs the
// checks that involve several handlers at once (duplicate job types, clashing
// generated names) and settles the order of everything generated.
package model

import (
	"fmt"
	"go/token"
	"go/types"
	"sort"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// Handler is one annotated function or method.
type Handler struct {
	// Func is the handler function or method.
	Func *types.Func
	// Recv is the receiver's named type for a method handler, nil for a
	// function.
	Recv *types.Named
	// Ident is the Go name generated identifiers derive from: the function's
	// or method's name (SendEmail gives TypeSendEmail, EnqueueSendEmail ...).
	Ident string
	// JobType is the job type name, from name= or the snake_case Ident.
	JobType string
	// Tenant marks a handler that takes a *sql.Tx and runs in a tenant's
	// scope.
	Tenant bool
	// Args is the type of the args parameter (a named, non-pointer type).
	Args types.Type
	// Result is the type of the first result, nil for handlers returning
	// only error.
	Result types.Type

	// Annotation defaults; zero values were not given.
	Queue      string
	Priority   jobs.Priority
	MaxRetries *int
	Retry      *jobs.RetryPolicy
	Timeout    time.Duration

	// Pos is where the //jobs:handler directive is, and NamePos where its
	// name= option is (Pos when there is none).
	Pos, NamePos token.Position
}

// Describe names the handler as Go source would: SendEmail or
// (*Reports).Generate.
func (h *Handler) Describe() string {
	if h.Recv == nil {
		return h.Func.Name()
	}
	recv := h.Func.Signature().Recv().Type()
	if _, ok := recv.(*types.Pointer); ok {
		return fmt.Sprintf("(*%s).%s", h.Recv.Obj().Name(), h.Func.Name())
	}
	return fmt.Sprintf("%s.%s", h.Recv.Obj().Name(), h.Func.Name())
}

// Receiver is one distinct receiver type; Register takes one parameter per
// receiver.
type Receiver struct {
	Named *types.Named
	// Pointer is set when some handler has a pointer receiver; the Register
	// parameter is then *Named.
	Pointer bool
	// Param is the Register parameter's name.
	Param string
}

// Type returns the Register parameter's type.
func (r *Receiver) Type() types.Type {
	if r.Pointer {
		return types.NewPointer(r.Named)
	}
	return r.Named
}

// Package is everything one jobgen run generates code for.
type Package struct {
	// Handlers, sorted by Ident.
	Handlers []*Handler
	// Receivers, sorted by package path and type name.
	Receivers []*Receiver
}

// Receiver returns the receiver of h, nil for a function handler.
func (p *Package) Receiver(h *Handler) *Receiver {
	for _, r := range p.Receivers {
		if h.Recv != nil && r.Named.Obj() == h.Recv.Obj() {
			return r
		}
	}
	return nil
}

// New checks the handlers against each other and returns the package to
// generate. takenNames are identifiers Register's parameters must not use
// (the names of the packages the generated file imports).
func New(handlers []*Handler, takenNames []string) (*Package, Diagnostics) {
	var diags Diagnostics
	byPos := append([]*Handler(nil), handlers...)
	sort.SliceStable(byPos, func(i, j int) bool { return positionLess(byPos[i].Pos, byPos[j].Pos) })

	byType := make(map[string]*Handler)
	dupOf := make(map[*Handler]*Handler)
	for _, h := range byPos {
		if first, dup := byType[h.JobType]; dup {
			dupOf[h] = first
			continue
		}
		byType[h.JobType] = h
	}
	clashes := checkNames(byPos)
	for _, h := range byPos {
		first, dup := dupOf[h]
		c, clash := clashes[h]
		switch {
		case dup && clash && c.first == first:
			// One mistake (two methods of the same name, say), one message.
			diags.Addf(h.NamePos, "duplicate job type %q: handler %s at %s has it too, and both would generate %s; rename one of them", h.JobType, first.Describe(), first.Pos, c.name)
			continue
		case dup:
			diags.Addf(h.NamePos, "duplicate job type %q: handler %s at %s has it too", h.JobType, first.Describe(), first.Pos)
		}
		if clash {
			diags = append(diags, c.diagnostic(h))
		}
	}

	sorted := append([]*Handler(nil), handlers...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Ident < sorted[j].Ident })
	return &Package{Handlers: sorted, Receivers: receivers(sorted, takenNames)}, diags
}

// clash is a generated identifier a handler would declare although first
// (nil for jobgen's fixed API) declares it already.
type clash struct {
	name  string
	first *Handler
}

func (c clash) diagnostic(h *Handler) Diagnostic {
	if c.first == nil {
		return Diagnostic{Pos: h.Pos, Msg: fmt.Sprintf("handler %s would generate %s, which jobgen itself declares; rename the %s", h.Describe(), c.name, kind(h))}
	}
	return Diagnostic{Pos: h.Pos, Msg: fmt.Sprintf("handler %s would generate %s like handler %s at %s; rename one of them", h.Describe(), c.name, c.first.Describe(), c.first.Pos)}
}

// checkNames finds the generated identifiers that two handlers, or a
// handler and jobgen's fixed API, would both declare: the first such name
// of each handler (one message per handler is enough).
func checkNames(byPos []*Handler) map[*Handler]clash {
	clashes := make(map[*Handler]clash)
	owner := make(map[string]*Handler)
	for _, n := range FixedNames {
		owner[n] = nil
	}
	for _, h := range byPos {
		for _, n := range NamesOf(h).all() {
			if first, taken := owner[n]; taken {
				clashes[h] = clash{name: n, first: first}
				break
			}
			owner[n] = h
		}
	}
	return clashes
}

func kind(h *Handler) string {
	if h.Recv != nil {
		return "method"
	}
	return "function"
}

// receivers lists the distinct receiver types of handlers, sorted, with
// their Register parameter names.
func receivers(handlers []*Handler, takenNames []string) []*Receiver {
	var out []*Receiver
	index := make(map[*types.TypeName]*Receiver)
	for _, h := range handlers {
		if h.Recv == nil {
			continue
		}
		_, ptr := h.Func.Signature().Recv().Type().(*types.Pointer)
		if r, ok := index[h.Recv.Obj()]; ok {
			r.Pointer = r.Pointer || ptr
			continue
		}
		r := &Receiver{Named: h.Recv, Pointer: ptr}
		index[h.Recv.Obj()] = r
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Named.Obj(), out[j].Named.Obj()
		if a.Name() != b.Name() {
			return a.Name() < b.Name()
		}
		return a.Pkg().Path() < b.Pkg().Path()
	})
	taken := map[string]bool{"reg": true, "opts": true, "cfg": true, "err": true, "o": true}
	for _, n := range takenNames {
		taken[n] = true
	}
	for _, r := range out {
		name := LowerFirst(r.Named.Obj().Name())
		if taken[name] || token.IsKeyword(name) || types.Universe.Lookup(name) != nil {
			name += "Recv"
		}
		base := name
		for i := 2; taken[name]; i++ {
			name = fmt.Sprintf("%s%d", base, i)
		}
		taken[name] = true
		r.Param = name
	}
	return out
}

func positionLess(a, b token.Position) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Offset < b.Offset
}

// SnakeCase turns a Go identifier into a job type name: SendEmail gives
// send_email, ProcessHTTPRequest gives process_http_request, Resize2x gives
// resize2x.
func SnakeCase(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 {
			prevLower := rs[i-1] >= 'a' && rs[i-1] <= 'z' || rs[i-1] >= '0' && rs[i-1] <= '9'
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			prevUpper := rs[i-1] >= 'A' && rs[i-1] <= 'Z'
			if prevLower || prevUpper && nextLower {
				b.WriteByte('_')
			}
		}
		if upper {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LowerFirst lower-cases the leading capital letters of an identifier the Go
// way: Reports gives reports, HTTPClient gives httpClient, ID gives id.
func LowerFirst(s string) string {
	rs := []rune(s)
	n := 0
	for n < len(rs) && rs[n] >= 'A' && rs[n] <= 'Z' {
		n++
	}
	if n > 1 && n < len(rs) {
		n-- // the last capital starts the next word
	}
	for i := 0; i < n; i++ {
		rs[i] += 'a' - 'A'
	}
	return string(rs)
}
