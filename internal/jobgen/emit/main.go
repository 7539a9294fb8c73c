package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// Main returns the main generated file: the job type constants, the
// Enqueuer interface, the typed Client and Register.
func Main(p *model.Package, cfg Config) ([]byte, error) {
	f := newFile(p, cfg)
	if cfg.PackageDoc != "" {
		f.PackageComment(commentLines(cfg.PackageDoc))
	}
	f.Add(doc("The runtime this code was generated for: a runtime with an incompatible\ncontract fails to compile here."))
	f.Const().Id("_").Op("=").Qual(rt, "GeneratedCodeVersion1")

	constants(f, p)
	enqueuer(f, p)
	client(f, p)
	for _, h := range p.Handlers {
		optionsFunc(f, h)
	}
	f.Add(doc("joinOptions concatenates option lists into a new slice, so that the\nannotation defaults come before the caller's options."))
	f.Func().Id("joinOptions").Params(jen.Id("lists").Op("...").Index().Qual(rt, "EnqueueOption")).Index().Qual(rt, "EnqueueOption").Block(
		jen.Var().Id("all").Index().Qual(rt, "EnqueueOption"),
		jen.For(jen.List(jen.Id("_"), jen.Id("l")).Op(":=").Range().Id("lists")).Block(
			jen.Id("all").Op("=").Append(jen.Id("all"), jen.Id("l").Op("...")),
		),
		jen.Return(jen.Id("all")),
	)
	if hasTenant(p) {
		f.Add(doc("errNoTenant is the error of a tenant job enqueued without a tenant ID."))
		f.Func().Id("errNoTenant").Params(jen.Id("jobType").String()).Error().Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: job type %s needs a tenant ID"), jen.Qual(rt, "ErrInvalidJob"), jen.Id("jobType"))),
		)
	}
	register(f, p)
	return render(f)
}

func hasTenant(p *model.Package) bool {
	for _, h := range p.Handlers {
		if h.Tenant {
			return true
		}
	}
	return false
}

func constants(f *jen.File, p *model.Package) {
	defs := make([]jen.Code, 0, 2*len(p.Handlers))
	for _, h := range p.Handlers {
		defs = append(defs,
			doc(fmt.Sprintf("%s is the job type of %s.", model.NamesOf(h).Const, handlerRef(h))),
			jen.Id(model.NamesOf(h).Const).Op("=").Lit(h.JobType))
	}
	f.Add(doc("Job types, one per handler."))
	f.Const().Defs(defs...)
}

// enqueueParams returns the parameters of h's Enqueue (schedule false) or
// Schedule method.
func enqueueParams(h *model.Handler, schedule bool) []jen.Code {
	ps := []jen.Code{jen.Id("ctx").Qual("context", "Context")}
	if h.Tenant {
		ps = append(ps, jen.Id("tenantID").String())
	}
	if schedule {
		ps = append(ps, jen.Id("at").Qual("time", "Time"))
	}
	return append(ps, jen.Id("args").Add(typeCode(h.Args)), jen.Id("opts").Op("...").Qual(rt, "EnqueueOption"))
}

func jobResults() jen.Code { return jen.Params(jen.Qual(rt, "Job"), jen.Error()) }

// lastOptions returns the options Enqueue (schedule false) or Schedule puts
// after the caller's: the tenant and the run-at time passed as parameters.
func lastOptions(h *model.Handler, schedule bool) []jen.Code {
	var last []jen.Code
	if h.Tenant {
		last = append(last, jen.Qual(rt, "ForTenant").Call(jen.Id("tenantID")))
	}
	if schedule {
		last = append(last, jen.Qual(rt, "RunAt").Call(jen.Id("at")))
	}
	return last
}

// resolvedOptions calls h's options function with the caller's options and
// the last ones.
func resolvedOptions(h *model.Handler, schedule bool) *jen.Statement {
	return jen.Id(model.NamesOf(h).OptionsFunc).Call(append([]jen.Code{jen.Id("opts")}, lastOptions(h, schedule)...)...)
}

func enqueueDoc(h *model.Handler, schedule bool) string {
	n := model.NamesOf(h)
	var s string
	if schedule {
		s = fmt.Sprintf("%s enqueues a job of type %s (handled by %s) to run at at.", n.Schedule, h.JobType, handlerRef(h))
	} else {
		s = fmt.Sprintf("%s enqueues a job of type %s, handled by %s.", n.Enqueue, h.JobType, handlerRef(h))
	}
	if h.Tenant {
		s += " The job runs in the scope of tenantID, which must not be empty."
	}
	if d := describeDefaults(h); d != "" {
		s += " Its annotation sets " + d + "; opts override these."
	}
	return s
}

func enqueuer(f *jen.File, p *model.Package) {
	var methods []jen.Code
	for _, h := range p.Handlers {
		n := model.NamesOf(h)
		methods = append(methods,
			doc(fmt.Sprintf("%s enqueues a job of type %s.", n.Enqueue, h.JobType)),
			jen.Id(n.Enqueue).Params(enqueueParams(h, false)...).Add(jobResults()),
			doc(fmt.Sprintf("%s enqueues a job of type %s to run at at.", n.Schedule, h.JobType)),
			jen.Id(n.Schedule).Params(enqueueParams(h, true)...).Add(jobResults()),
		)
	}
	f.Add(doc("Enqueuer enqueues this package's jobs with typed args. Client implements it\nand so does MockEnqueuer, for the tests of code that enqueues."))
	f.Type().Id("Enqueuer").Interface(methods...)
	f.Var().Defs(
		jen.Id("_").Id("Enqueuer").Op("=").Parens(jen.Op("*").Id("Client")).Parens(jen.Nil()),
		jen.Id("_").Id("Enqueuer").Op("=").Parens(jen.Op("*").Id("MockEnqueuer")).Parens(jen.Nil()),
	)
}

func client(f *jen.File, p *model.Package) {
	f.Add(doc("Client enqueues jobs through a runtime.Client with typed args and the\ndefaults of each handler's annotation. It is safe for concurrent use."))
	f.Type().Id("Client").Struct(jen.Id("client").Op("*").Qual(rt, "Client"))

	f.Add(doc("NewClient returns a Client that enqueues through c."))
	f.Func().Id("NewClient").Params(jen.Id("c").Op("*").Qual(rt, "Client")).Op("*").Id("Client").Block(
		jen.Return(jen.Op("&").Id("Client").Values(jen.Dict{jen.Id("client"): jen.Id("c")})),
	)
	f.Add(doc("Runtime returns the runtime.Client that c enqueues through."))
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Runtime").Params().Op("*").Qual(rt, "Client").Block(
		jen.Return(jen.Id("c").Dot("client")),
	)
	for _, h := range p.Handlers {
		n := model.NamesOf(h)
		for _, schedule := range []bool{false, true} {
			name := n.Enqueue
			if schedule {
				name = n.Schedule
			}
			var body []jen.Code
			if h.Tenant {
				body = append(body, jen.If(jen.Id("tenantID").Op("==").Lit("")).Block(
					jen.Return(jen.Qual(rt, "Job").Values(), jen.Id("errNoTenant").Call(jen.Id(n.Const))),
				))
			}
			body = append(body, jen.Return(jen.Qual(rt, "EnqueueValue").Call(
				jen.Id("ctx"), jen.Id("c").Dot("client"), jen.Id(n.Const), jen.Id("args"), resolvedOptions(h, schedule).Op("..."),
			)))
			f.Add(doc(enqueueDoc(h, schedule)))
			f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(name).Params(enqueueParams(h, schedule)...).Add(jobResults()).Block(body...)
		}
	}
}

// optionsFunc emits the function that puts h's annotation defaults before
// the caller's options.
func optionsFunc(f *jen.File, h *model.Handler) {
	n := model.NamesOf(h)
	defaults := jen.Nil()
	if h.HasDefaults() {
		var opts []jen.Code
		if h.Queue != "" {
			opts = append(opts, jen.Qual(rt, "WithQueue").Call(jen.Lit(h.Queue)))
		}
		if h.Priority != 0 {
			opts = append(opts, jen.Qual(rt, "WithPriority").Call(priorityCode(h)))
		}
		if h.MaxRetries != nil {
			opts = append(opts, jen.Qual(rt, "WithMaxRetries").Call(jen.Lit(*h.MaxRetries)))
		}
		if h.Retry != nil {
			opts = append(opts, jen.Qual(rt, "WithRetryPolicy").Call(retryPolicyCode(h)))
		}
		if h.Timeout != 0 {
			opts = append(opts, jen.Qual(rt, "WithTimeout").Call(durationCode(h.Timeout)))
		}
		defaults = jen.Index().Qual(rt, "EnqueueOption").ValuesFunc(func(g *jen.Group) {
			for _, o := range opts {
				g.Line().Add(o)
			}
			g.Line()
		})
	}
	f.Add(doc(fmt.Sprintf("%s returns the options of a job of type %s: the annotation's defaults, then opts, then last.", n.OptionsFunc, h.JobType)))
	f.Func().Id(n.OptionsFunc).Params(
		jen.Id("opts").Index().Qual(rt, "EnqueueOption"), jen.Id("last").Op("...").Qual(rt, "EnqueueOption"),
	).Index().Qual(rt, "EnqueueOption").Block(
		jen.Return(jen.Id("joinOptions").Call(defaults, jen.Id("opts"), jen.Id("last"))),
	)
}
