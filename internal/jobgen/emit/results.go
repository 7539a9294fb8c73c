package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// resultParams are the parameters of ResultX and WaitX.
func resultParams() []jen.Code {
	return []jen.Code{jen.Id("ctx").Qual("context", "Context"), jen.Id("id").String()}
}

// resultResults are the results of h's ResultX and WaitX: (R, error), or
// just error for a handler without a result.
func resultResults(h *model.Handler) jen.Code {
	if h.Result == nil {
		return jen.Error()
	}
	return jen.Params(typeCode(h.Result), jen.Error())
}

// results emits the Results interface.
func results(f *jen.File, p *model.Package, cfg Config) {
	var decls []jen.Code
	for _, h := range p.Handlers {
		n := model.NamesOf(h)
		if h.Result != nil {
			decls = append(decls,
				doc(fmt.Sprintf("%s returns the result of the %s job id, which must have completed.", n.Result, h.JobType)),
				jen.Id(n.Result).Params(resultParams()...).Add(resultResults(h)),
				doc(fmt.Sprintf("%s waits for the %s job id to finish and returns its result.", n.Wait, h.JobType)),
			)
		} else {
			decls = append(decls, doc(fmt.Sprintf("%s waits for the %s job id to finish and returns nil if it completed.", n.Wait, h.JobType)))
		}
		decls = append(decls, jen.Id(n.Wait).Params(resultParams()...).Add(resultResults(h)))
	}
	f.Add(doc("Results reads the outcome of this package's jobs: the typed result of " +
		"each handler that has one, and whether the job completed. A job that " +
		"failed or was cancelled gives a *jobs.JobFailedError. Client " +
		fmt.Sprintf("implements it and so does %s, whose jobs finish with the outcome ", cfg.mockRef()) +
		"SetXResult gives them."))
	f.Type().Id("Results").Interface(decls...)
	f.Var().Id("_").Id("Results").Op("=").Parens(jen.Op("*").Id("Client")).Parens(jen.Nil())
}

// clientResults emits Client's ResultX and WaitX methods.
func clientResults(f *jen.File, p *model.Package) {
	c := func() *jen.Statement { return f.Func().Params(jen.Id("c").Op("*").Id("Client")) }
	for _, h := range p.Handlers {
		n := model.NamesOf(h)
		args := []jen.Code{jen.Id("ctx"), jen.Id("c").Dot("client"), jen.Id(n.Const), jen.Id("id")}
		if h.Result == nil {
			f.Add(doc(fmt.Sprintf("%s waits until the %s job id completes, fails or is cancelled, or ctx is done. It returns nil when the job completed and a *jobs.JobFailedError when it failed or was cancelled.", n.Wait, h.JobType)))
			c().Id(n.Wait).Params(resultParams()...).Error().Block(
				jen.List(jen.Id("_"), jen.Id("err")).Op(":=").Qual(rt, "WaitValue").Types(jen.Qual("encoding/json", "RawMessage")).Call(args...),
				jen.Return(jen.Id("err")),
			)
			continue
		}
		f.Add(doc(fmt.Sprintf("%s returns the result of the %s job id, which must have completed: a job that failed or was cancelled gives a *jobs.JobFailedError, one still under way jobs.ErrJobNotFinished, one no longer kept jobs.ErrJobNotFound.", n.Result, h.JobType)))
		c().Id(n.Result).Params(resultParams()...).Add(resultResults(h)).Block(
			jen.Return(jen.Qual(rt, "ResultValue").Types(typeCode(h.Result)).Call(args...)),
		)
		f.Add(doc(fmt.Sprintf("%s waits until the %s job id completes, fails or is cancelled, or ctx is done, and returns its result as %s does.", n.Wait, h.JobType, n.Result)))
		c().Id(n.Wait).Params(resultParams()...).Add(resultResults(h)).Block(
			jen.Return(jen.Qual(rt, "WaitValue").Types(typeCode(h.Result)).Call(args...)),
		)
	}
}

// periodic emits PeriodicX, which builds a schedule of h's jobs with the
// annotation's defaults.
func periodic(f *jen.File, h *model.Handler) {
	n := model.NamesOf(h)
	names := []jen.Code{jen.Id("name"), jen.Id("spec")}
	if h.Tenant {
		names = append(names, jen.Id("tenantID"))
	}
	params := []jen.Code{jen.List(names...).String(), jen.Id("args").Add(typeCode(h.Args)), jen.Id("opts").Op("...").Qual(kernel, "EnqueueOption")}
	var body, last []jen.Code
	if h.Tenant {
		body = append(body, jen.If(jen.Id("tenantID").Op("==").Lit("")).Block(
			jen.Return(jen.Qual(rt, "Schedule").Values(), jen.Id("errNoTenant").Call(jen.Id(n.Const))),
		))
		last = append(last, jen.Qual(kernel, "ForTenant").Call(jen.Id("tenantID")))
	}
	body = append(body, jen.Return(jen.Qual(rt, "PeriodicValue").Call(
		jen.Id("name"), jen.Id("spec"), jen.Id(n.Const), jen.Id("args"),
		jen.Id(n.OptionsFunc).Call(append([]jen.Code{jen.Id("opts")}, last...)...).Op("..."),
	)))
	f.Add(doc(fmt.Sprintf("%s returns a schedule called name that enqueues a job of type %s (handled by %s) with args at every tick of spec, a cron spec or a descriptor such as @hourly or @every 5m (see runtime.Schedule). Run it with runtime.PoolConfig.Schedules; set Location or Missed on it to change its time zone or catch-up.", n.Periodic, h.JobType, handlerRef(h)) +
		defaultsDoc(h, "Its jobs run")))
	f.Func().Id(n.Periodic).Params(params...).Params(jen.Qual(rt, "Schedule"), jen.Error()).Block(body...)
}
