package emit

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/jobsgo/jobs/internal/jobgen/model"
	"github.com/jobsgo/jobs/internal/plural"
)

// register emits RegisterOption, the per-type middleware options and
// Register.
func register(f *jen.File, p *model.Package) {
	f.Add(doc("RegisterOption customises Register."))
	f.Type().Id("RegisterOption").Func().Params(jen.Op("*").Id("registerConfig"))

	f.Add(doc("registerConfig is what RegisterOptions set: middleware by job type."))
	f.Type().Id("registerConfig").Struct(
		jen.Id("middleware").Map(jen.String()).Index().Qual(rt, "Middleware"),
	)
	for _, h := range p.Handlers {
		n := model.NamesOf(h)
		f.Add(doc(fmt.Sprintf("%s wraps the handler of %s jobs in mw, the first outermost, inside the pool's middleware.", n.Middleware, h.JobType)))
		f.Func().Id(n.Middleware).Params(jen.Id("mw").Op("...").Qual(rt, "Middleware")).Id("RegisterOption").Block(
			jen.Return(jen.Func().Params(jen.Id("c").Op("*").Id("registerConfig")).Block(
				jen.Id("c").Dot("middleware").Index(jen.Id(n.Const)).Op("=").Append(
					jen.Id("c").Dot("middleware").Index(jen.Id(n.Const)), jen.Id("mw").Op("..."),
				),
			)),
		)
	}

	f.Add(doc("handlerOptions returns the handler options of jobType: the annotation's\ndefaults, then the middleware the RegisterOptions gave."))
	f.Func().Params(jen.Id("c").Id("registerConfig")).Id("handlerOptions").Params(
		jen.Id("jobType").String(), jen.Id("defaults").Op("...").Qual(rt, "HandlerOption"),
	).Index().Qual(rt, "HandlerOption").Block(
		jen.If(jen.Id("mw").Op(":=").Id("c").Dot("middleware").Index(jen.Id("jobType")), jen.Len(jen.Id("mw")).Op(">").Lit(0)).Block(
			jen.Return(jen.Append(jen.Id("defaults"), jen.Qual(rt, "WithHandlerMiddleware").Call(jen.Id("mw").Op("...")))),
		),
		jen.Return(jen.Id("defaults")),
	)

	params := []jen.Code{jen.Id("reg").Op("*").Qual(rt, "Registry")}
	body := []jen.Code{
		jen.If(jen.Id("reg").Op("==").Nil()).Block(jen.Return(jen.Qual("errors", "New").Call(jen.Lit("register jobs: registry is nil")))),
	}
	for _, r := range p.Receivers {
		params = append(params, jen.Id(r.Param).Add(typeCode(r.Type())))
		if r.Pointer {
			body = append(body, jen.If(jen.Id(r.Param).Op("==").Nil()).Block(jen.Return(jen.Qual("errors", "New").Call(
				jen.Lit(fmt.Sprintf("register jobs: %s (*%s.%s) is nil", r.Param, r.Named.Obj().Pkg().Name(), r.Named.Obj().Name())),
			))))
		}
	}
	params = append(params, jen.Id("opts").Op("...").Id("RegisterOption"))
	body = append(body,
		jen.Id("cfg").Op(":=").Id("registerConfig").Values(jen.Dict{
			jen.Id("middleware"): jen.Make(jen.Map(jen.String()).Index().Qual(rt, "Middleware")),
		}),
		jen.For(jen.List(jen.Id("_"), jen.Id("o")).Op(":=").Range().Id("opts")).Block(jen.Id("o").Call(jen.Op("&").Id("cfg"))),
	)
	for _, h := range p.Handlers {
		body = append(body, jen.If(jen.Id("err").Op(":=").Add(registerCall(p, h)), jen.Id("err").Op("!=").Nil()).Block(
			jen.Return(jen.Id("err")),
		))
	}
	body = append(body, jen.Return(jen.Nil()))
	f.Add(doc(registerDoc(p)))
	f.Func().Id("Register").Params(params...).Error().Block(body...)
}

func registerDoc(p *model.Package) string {
	s := "Register adds the handlers of the " + plural.Count(len(p.Handlers), "job type", "job types") + " to reg, each with the retry policy and timeout of its annotation."
	if len(p.Receivers) > 0 {
		names := make([]string, len(p.Receivers))
		for i, r := range p.Receivers {
			names[i] = r.Param
		}
		list := names[len(names)-1]
		if len(names) > 1 {
			list = strings.Join(names[:len(names)-1], ", ") + " and " + list
		}
		s += fmt.Sprintf(" The method handlers run on %s, which must not be nil.", list)
	}
	return s + "\nIt stops at the first error (a job type registered already, say)."
}

// registerCall spells reg.Register(...) or reg.RegisterTenant(...) for h.
func registerCall(p *model.Package, h *model.Handler) *jen.Statement {
	var fn *jen.Statement
	if r := p.Receiver(h); r != nil {
		fn = jen.Id(r.Param).Dot(h.Func.Name())
	} else {
		fn = jen.Qual(h.Func.Pkg().Path(), h.Func.Name())
	}
	adapter := map[[2]bool]string{
		{false, false}: "TypedHandlerNoResult",
		{false, true}:  "TypedHandler",
		{true, false}:  "TypedTenantHandlerNoResult",
		{true, true}:   "TypedTenantHandler",
	}[[2]bool{h.Tenant, h.Result != nil}]
	method := "Register"
	if h.Tenant {
		method = "RegisterTenant"
	}
	n := model.NamesOf(h)
	opts := []jen.Code{jen.Id(n.Const)}
	if h.Queue != "" {
		opts = append(opts, jen.Qual(rt, "WithHandlerQueue").Call(jen.Lit(h.Queue)))
	}
	if h.Retry != nil {
		opts = append(opts, jen.Qual(rt, "WithHandlerRetry").Call(retryPolicyCode(h)))
	}
	if h.Timeout != 0 {
		opts = append(opts, jen.Qual(rt, "WithHandlerTimeout").Call(durationCode(h.Timeout)))
	}
	return jen.Id("reg").Dot(method).Call(
		jen.Id(n.Const),
		jen.Qual(rt, adapter).Call(fn),
		jen.Id("cfg").Dot("handlerOptions").Call(opts...).Op("..."),
	)
}
