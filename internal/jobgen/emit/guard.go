package emit

import (
	"fmt"
	"go/types"
	"sort"

	"github.com/dave/jennifer/jen"

	jobs "github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// guards emits one compile-time assertion per handler: a func type spelling
// the handler's signature as jobgen saw it, and the handler assigned to it.
// When a handler's parameters, args type or result type change and the code
// is not regenerated, the assignment stops compiling, and the compiler's
// message names the type, whose name says what to do.
func guards(f *jen.File, p *model.Package) {
	types := make([]jen.Code, 0, len(p.Handlers))
	vars := make([]jen.Code, 0, len(p.Handlers))
	for _, h := range p.Handlers {
		name := model.NamesOf(h).Guard
		types = append(types, jen.Id(name).Func().Params(guardParams(h)...).Add(handlerResults(h)))
		vars = append(vars, jen.Id("_").Id(name).Op("=").Add(handlerValue(h)))
	}
	f.Add(doc("The handlers' signatures when this code was generated. A handler whose\n" +
		"parameters, args type or result type changed since fails to compile\n" +
		"below, in a type whose name says to run go generate."))
	f.Type().Defs(types...)
	f.Var().Defs(vars...)
}

// guardParams are the parameter types of h's function value: the receiver
// first for a method expression, then the context, the transaction of a
// tenant handler and the args.
func guardParams(h *model.Handler) []jen.Code {
	var ps []jen.Code
	if h.Recv != nil {
		ps = append(ps, typeCode(h.Func.Signature().Recv().Type()))
	}
	ps = append(ps, jen.Qual("context", "Context"))
	if h.Tenant {
		ps = append(ps, jen.Op("*").Qual("database/sql", "Tx"))
	}
	return append(ps, typeCode(h.Args))
}

// handlerResults spells the results of h: (R, error) or error.
func handlerResults(h *model.Handler) jen.Code {
	if h.Result == nil {
		return jen.Error()
	}
	return jen.Params(typeCode(h.Result), jen.Error())
}

// handlerValue spells h as a function value: the function, or the method
// expression (*T).M or T.M.
func handlerValue(h *model.Handler) *jen.Statement {
	if h.Recv == nil {
		return jen.Qual(h.Func.Pkg().Path(), h.Func.Name())
	}
	recv := typeCode(h.Recv)
	if _, ptr := h.Func.Signature().Recv().Type().(*types.Pointer); ptr {
		recv = jen.Parens(jen.Op("*").Add(recv))
	}
	return recv.Dot(h.Func.Name())
}

// queues emits Queues, the sorted default queues of the handlers.
func queues(f *jen.File, p *model.Package) {
	set := make(map[string]bool)
	for _, h := range p.Handlers {
		q := h.Queue
		if q == "" {
			q = jobs.DefaultQueue
		}
		set[q] = true
	}
	names := make([]string, 0, len(set))
	for q := range set {
		names = append(names, q)
	}
	sort.Strings(names)
	values := make([]jen.Code, len(names))
	for i, q := range names {
		values[i] = jen.Lit(q)
		if q == jobs.DefaultQueue {
			values[i] = jen.Qual(kernel, "DefaultQueue")
		}
	}
	f.Add(doc(fmt.Sprintf("Queues returns, sorted, the queues the jobs of these %d handlers go to "+
		"unless they are enqueued with jobs.WithQueue: each annotation's queue=, "+
		"jobs.DefaultQueue for a handler without one. A pool runs only the jobs of "+
		"the queues it serves (runtime.PoolConfig.Queues).", len(p.Handlers))))
	f.Func().Id("Queues").Params().Index().String().Block(
		jen.Return(jen.Index().String().Values(values...)),
	)
}
