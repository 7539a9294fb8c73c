package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// Main returns the main generated file: the job type constants, the
// Enqueuer and Results interfaces, the typed Client, the PeriodicX
// functions and Register.
func Main(p *model.Package, cfg Config) ([]byte, error) {
	f := newFile(p, cfg)
	if cfg.PackageDoc != "" {
		f.PackageComment(commentLines(cfg.PackageDoc))
	}
	f.Add(doc("The runtime this code was generated for: a runtime with an incompatible\ncontract fails to compile here."))
	f.Const().Id("_").Op("=").Qual(rt, "GeneratedCodeVersion1")

	guards(f, p)
	constants(f, p)
	queues(f, p)
	enqueuer(f, p, cfg)
	results(f, p, cfg)
	client(f, p)
	clientResults(f, p)
	for _, h := range p.Handlers {
		periodic(f, h)
	}
	enqueueOptions(f, p)
	enqueueBatch(f)
	register(f, p)
	return render(f)
}

// enqueueOptions emits what the enqueueing methods of Client and of the
// mock share: one function per handler that puts its annotation's defaults
// first, joinOptions, and errNoTenant when a handler is a tenant's.
func enqueueOptions(f *jen.File, p *model.Package) {
	for _, h := range p.Handlers {
		optionsFunc(f, h)
	}
	f.Add(doc("joinOptions concatenates option lists into a new slice, so that the\nannotation defaults come before the caller's options."))
	f.Func().Id("joinOptions").Params(jen.Id("lists").Op("...").Index().Qual(kernel, "EnqueueOption")).Index().Qual(kernel, "EnqueueOption").Block(
		jen.Var().Id("all").Index().Qual(kernel, "EnqueueOption"),
		jen.For(jen.List(jen.Id("_"), jen.Id("l")).Op(":=").Range().Id("lists")).Block(
			jen.Id("all").Op("=").Append(jen.Id("all"), jen.Id("l").Op("...")),
		),
		jen.Return(jen.Id("all")),
	)
	if hasTenant(p) {
		f.Add(doc("errNoTenant is the error of a tenant job enqueued without a tenant ID."))
		f.Func().Id("errNoTenant").Params(jen.Id("jobType").String()).Error().Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: job type %s needs a tenant ID"), jen.Qual(kernel, "ErrInvalidJob"), jen.Id("jobType"))),
		)
	}
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

// method is one of the enqueueing methods generated per handler.
type method int

const (
	enqueueMethod  method = iota // EnqueueX: one job now
	scheduleMethod               // ScheduleX: one job at a time
	batchMethod                  // EnqueueXBatch: several jobs, all or none
)

// methods lists the enqueueing methods in the order they are generated.
var methods = []method{enqueueMethod, scheduleMethod, batchMethod}

// name returns the name of h's method m.
func (m method) name(h *model.Handler) string {
	n := model.NamesOf(h)
	switch m {
	case scheduleMethod:
		return n.Schedule
	case batchMethod:
		return n.Batch
	}
	return n.Enqueue
}

// params returns the parameters of h's method m.
func (m method) params(h *model.Handler) []jen.Code {
	ps := []jen.Code{jen.Id("ctx").Qual("context", "Context")}
	if h.Tenant {
		ps = append(ps, jen.Id("tenantID").String())
	}
	args := jen.Id("args").Add(typeCode(h.Args))
	switch m {
	case scheduleMethod:
		ps = append(ps, jen.Id("at").Qual("time", "Time"))
	case batchMethod:
		args = jen.Id("args").Index().Add(typeCode(h.Args))
	}
	return append(ps, args, jen.Id("opts").Op("...").Qual(kernel, "EnqueueOption"))
}

// results returns the results of m.
func (m method) results() jen.Code {
	if m == batchMethod {
		return jen.Params(jen.Index().Qual(kernel, "Job"), jen.Error())
	}
	return jen.Params(jen.Qual(kernel, "Job"), jen.Error())
}

// options returns the options m puts after the caller's: the tenant and the
// run-at time passed as parameters.
func (m method) options(h *model.Handler) []jen.Code {
	var last []jen.Code
	if h.Tenant {
		last = append(last, jen.Qual(kernel, "ForTenant").Call(jen.Id("tenantID")))
	}
	if m == scheduleMethod {
		last = append(last, jen.Qual(kernel, "RunAt").Call(jen.Id("at")))
	}
	return last
}

// resolved calls h's options function with the caller's options and the
// last ones of m.
func (m method) resolved(h *model.Handler) *jen.Statement {
	return jen.Id(model.NamesOf(h).OptionsFunc).Call(append([]jen.Code{jen.Id("opts")}, m.options(h)...)...)
}

// doc documents Client's method m of h.
func (m method) doc(h *model.Handler) string {
	var s string
	switch m {
	case scheduleMethod:
		s = fmt.Sprintf("%s enqueues a job of type %s (handled by %s) to run at at.", m.name(h), h.JobType, handlerRef(h))
	case batchMethod:
		s = fmt.Sprintf("%s enqueues one job of type %s (handled by %s) per element of args, all in one call to the backend: either every job is stored or none is. opts apply to every job, so WithJobID suits only a batch of one. The jobs come back in the order of args.", m.name(h), h.JobType, handlerRef(h))
	default:
		s = fmt.Sprintf("%s enqueues a job of type %s, handled by %s.", m.name(h), h.JobType, handlerRef(h))
	}
	if m == batchMethod {
		return s + defaultsDoc(h, "The jobs run")
	}
	return s + defaultsDoc(h, "The job runs")
}

// defaultsDoc is the part of a doc comment on the tenant and the
// annotation's defaults; subject starts the tenant's sentence.
func defaultsDoc(h *model.Handler, subject string) string {
	var s string
	if h.Tenant {
		s += " " + subject + " in the scope of tenantID, which must not be empty."
	}
	if d := describeDefaults(h); d != "" {
		s += " Its annotation sets " + d + "; opts override these."
	}
	return s
}

func enqueuer(f *jen.File, p *model.Package, cfg Config) {
	var methodDecls []jen.Code
	for _, h := range p.Handlers {
		for _, m := range methods {
			var what string
			switch m {
			case enqueueMethod:
				what = fmt.Sprintf("enqueues a job of type %s.", h.JobType)
			case scheduleMethod:
				what = fmt.Sprintf("enqueues a job of type %s to run at at.", h.JobType)
			default:
				what = fmt.Sprintf("enqueues a job of type %s per element of args, all or none.", h.JobType)
			}
			methodDecls = append(methodDecls, doc(m.name(h)+" "+what), jen.Id(m.name(h)).Params(m.params(h)...).Add(m.results()))
		}
	}
	f.Add(doc(fmt.Sprintf("Enqueuer enqueues this package's jobs with typed args. Client implements it\nand so does %s, for the tests of code that enqueues.", cfg.mockRef())))
	f.Type().Id("Enqueuer").Interface(methodDecls...)
	f.Var().Id("_").Id("Enqueuer").Op("=").Parens(jen.Op("*").Id("Client")).Parens(jen.Nil())
}

func client(f *jen.File, p *model.Package) {
	f.Add(doc("Client enqueues jobs through a runtime.Client with typed args and the\ndefaults of each handler's annotation, and reads their typed results. It\nis safe for concurrent use."))
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
		for _, m := range methods {
			var body []jen.Code
			if h.Tenant {
				zero := jen.Qual(kernel, "Job").Values()
				if m == batchMethod {
					zero = jen.Nil()
				}
				body = append(body, jen.If(jen.Id("tenantID").Op("==").Lit("")).Block(
					jen.Return(zero, jen.Id("errNoTenant").Call(jen.Id(n.Const))),
				))
			}
			call := jen.Qual(rt, "EnqueueValue")
			if m == batchMethod {
				call = jen.Id("enqueueBatch")
			}
			body = append(body, jen.Return(call.Call(
				jen.Id("ctx"), jen.Id("c").Dot("client"), jen.Id(n.Const), jen.Id("args"), m.resolved(h).Op("..."),
			)))
			f.Add(doc(m.doc(h)))
			f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(m.name(h)).Params(m.params(h)...).Add(m.results()).Block(body...)
		}
	}
}

// enqueueBatch emits the helper of the EnqueueXBatch methods.
func enqueueBatch(f *jen.File) {
	opts := jen.Id("opts").Op("...").Qual(kernel, "EnqueueOption")
	f.Add(doc("enqueueBatch JSON-encodes each of args and enqueues them all as jobs of\njobType with opts, in one runtime.Client.EnqueueBatch call."))
	f.Func().Id("enqueueBatch").Types(jen.Id("T").Any()).Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("c").Op("*").Qual(rt, "Client"), jen.Id("jobType").String(),
		jen.Id("args").Index().Id("T"), opts,
	).Params(jen.Index().Qual(kernel, "Job"), jen.Error()).Block(
		jen.Id("reqs").Op(":=").Make(jen.Index().Qual(rt, "EnqueueRequest"), jen.Len(jen.Id("args"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("a")).Op(":=").Range().Id("args")).Block(
			jen.List(jen.Id("raw"), jen.Id("err")).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("a")),
			jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(
				jen.Lit("batch item %d: %w: encode args of %s: %v"), jen.Id("i"), jen.Qual(kernel, "ErrInvalidJob"), jen.Id("jobType"), jen.Id("err"),
			))),
			jen.Id("reqs").Index(jen.Id("i")).Op("=").Qual(rt, "EnqueueRequest").Values(jen.Dict{
				jen.Id("Type"): jen.Id("jobType"), jen.Id("Args"): jen.Id("raw"), jen.Id("Options"): jen.Id("opts"),
			}),
		),
		jen.Return(jen.Id("c").Dot("EnqueueBatch").Call(jen.Id("ctx"), jen.Id("reqs"))),
	)
}

// optionsFunc emits the function that puts h's annotation defaults before
// the caller's options: where a job goes (queue, priority) and how many
// retries it gets, which are the job's own. The annotation's retry policy
// and timeout are not copied onto jobs: the registration carries them
// (WithHandlerRetry, WithHandlerTimeout), so that the handler's code and
// annotation decide them when the job runs, and a caller's WithRetryPolicy
// or WithTimeout overrides them for one job.
func optionsFunc(f *jen.File, h *model.Handler) {
	n := model.NamesOf(h)
	var opts []jen.Code
	if h.Queue != "" {
		opts = append(opts, jen.Qual(kernel, "WithQueue").Call(jen.Lit(h.Queue)))
	}
	if h.Priority != 0 {
		opts = append(opts, jen.Qual(kernel, "WithPriority").Call(priorityCode(h)))
	}
	if h.MaxRetries != nil {
		opts = append(opts, jen.Qual(kernel, "WithMaxRetries").Call(jen.Lit(*h.MaxRetries)))
	}
	defaults := jen.Nil()
	if len(opts) > 0 {
		defaults = jen.Index().Qual(kernel, "EnqueueOption").ValuesFunc(func(g *jen.Group) {
			for _, o := range opts {
				g.Line().Add(o)
			}
			g.Line()
		})
	}
	f.Add(doc(fmt.Sprintf("%s returns the options of a job of type %s: the annotation's defaults, then opts, then last.", n.OptionsFunc, h.JobType)))
	f.Func().Id(n.OptionsFunc).Params(
		jen.Id("opts").Index().Qual(kernel, "EnqueueOption"), jen.Id("last").Op("...").Qual(kernel, "EnqueueOption"),
	).Index().Qual(kernel, "EnqueueOption").Block(
		jen.Return(jen.Id("joinOptions").Call(defaults, jen.Id("opts"), jen.Id("last"))),
	)
}
