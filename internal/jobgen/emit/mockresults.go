package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// outcomeFunc spells the type of the function SetXResult takes: the
// handler's signature without the context and the transaction, with the
// tenant ID first for a tenant handler.
func outcomeFunc(h *model.Handler) *jen.Statement {
	var params []jen.Code
	if h.Tenant {
		params = append(params, jen.String())
	}
	params = append(params, typeCode(h.Args))
	return jen.Func().Params(params...).Add(resultResults(h))
}

// mockResults emits the mock's SetXResult, ResultX and WaitX of h.
func mockResults(f *jen.File, h *model.Handler) {
	n := model.NamesOf(h)
	m := func() *jen.Statement { return f.Func().Params(jen.Id("m").Op("*").Id("MockEnqueuer")) }
	forWhat := "their args"
	if h.Tenant {
		forWhat = "their tenant ID and args"
	}
	f.Add(doc(fmt.Sprintf("%s makes the %s jobs enqueued through m finish with what fn returns for %s: ", n.SetResult, h.JobType, forWhat) +
		"an error makes the job fail, or be cancelled when it is runtime.ErrJobCancelled. " +
		fmt.Sprintf("fn runs at each %s call, for jobs enqueued before or after; nil leaves the jobs unfinished again.", outcomeMethods(h))))
	m().Id(n.SetResult).Params(jen.Id("fn").Add(outcomeFunc(h))).Block(
		jen.Id("m").Dot("mu").Dot("Lock").Call(),
		jen.Defer().Id("m").Dot("mu").Dot("Unlock").Call(),
		jen.Id("m").Dot(n.MockResult).Op("=").Id("fn"),
	)

	fnArgs := []jen.Code{jen.Id("c").Dot("Args")}
	if h.Tenant {
		fnArgs = []jen.Code{jen.Id("c").Dot("TenantID"), jen.Id("c").Dot("Args")}
	}
	var zero, body []jen.Code // zero is the result that goes with an error
	if h.Result != nil {
		zero = []jen.Code{jen.Id("r")}
		body = append(body, jen.Var().Id("r").Add(typeCode(h.Result)))
	}
	ret := func(err jen.Code) jen.Code { return jen.Return(append(append([]jen.Code(nil), zero...), err)...) }
	var outcome []jen.Code
	if h.Result != nil {
		outcome = []jen.Code{
			jen.List(jen.Id("res"), jen.Id("err")).Op(":=").Id("fn").Call(fnArgs...),
			jen.If(jen.Id("err").Op("!=").Nil()).Block(ret(jen.Id("mockFailed").Call(jen.Id("c").Dot("Job"), jen.Id("err")))),
			jen.Return(jen.Id("res"), jen.Nil()),
		}
	} else {
		outcome = []jen.Code{
			jen.If(jen.Id("err").Op(":=").Id("fn").Call(fnArgs...), jen.Id("err").Op("!=").Nil()).Block(
				jen.Return(jen.Id("mockFailed").Call(jen.Id("c").Dot("Job"), jen.Id("err"))),
			),
			jen.Return(jen.Nil()),
		}
	}
	body = append(body,
		jen.If(jen.Id("err").Op(":=").Id("ctx").Dot("Err").Call(), jen.Id("err").Op("!=").Nil()).Block(ret(jen.Id("err"))),
		jen.Id("m").Dot("mu").Dot("Lock").Call(),
		jen.List(jen.Id("calls"), jen.Id("fn")).Op(":=").List(jen.Qual("slices", "Clone").Call(jen.Id("m").Dot(n.MockCalls)), jen.Id("m").Dot(n.MockResult)),
		jen.Id("m").Dot("mu").Dot("Unlock").Call(),
		jen.For(jen.List(jen.Id("_"), jen.Id("c")).Op(":=").Range().Id("calls")).Block(append([]jen.Code{
			jen.If(jen.Id("c").Dot("Err").Op("!=").Nil().Op("||").Id("c").Dot("Job").Dot("ID").Op("!=").Id("id")).Block(jen.Continue()),
			jen.If(jen.Id("fn").Op("==").Nil()).Block(ret(jen.Id("mockUnfinished").Call(jen.Id("c").Dot("Job"), jen.Lit(n.SetResult)))),
		}, outcome...)...),
		ret(jen.Id("mockNotFound").Call(jen.Id(n.Const), jen.Id("id"))),
	)

	lookup := fmt.Sprintf("A job m did not enqueue as %s gives runtime.ErrJobNotFound; one without an outcome function runtime.ErrJobNotFinished.", h.JobType)
	if h.Result == nil {
		f.Add(doc(fmt.Sprintf("%s returns at once what the function set with %s gives the %s job id: nil, or a *runtime.JobFailedError. ", n.Wait, n.SetResult, h.JobType) + lookup))
		m().Id(n.Wait).Params(resultParams()...).Error().Block(body...)
		return
	}
	f.Add(doc(fmt.Sprintf("%s returns the result the function set with %s gives the %s job id, or a *runtime.JobFailedError. ", n.Result, n.SetResult, h.JobType) + lookup))
	m().Id(n.Result).Params(resultParams()...).Add(resultResults(h)).Block(body...)
	f.Add(doc(fmt.Sprintf("%s is %s: the mock's jobs finish as soon as they have an outcome, so it returns at once rather than block.", n.Wait, n.Result)))
	m().Id(n.Wait).Params(resultParams()...).Add(resultResults(h)).Block(
		jen.Return(jen.Id("m").Dot(n.Result).Call(jen.Id("ctx"), jen.Id("id"))),
	)
}

// outcomeMethods names the mock methods that run an outcome function.
func outcomeMethods(h *model.Handler) string {
	n := model.NamesOf(h)
	if h.Result == nil {
		return n.Wait
	}
	return n.Result + " or " + n.Wait
}

// mockOutcomeHelpers emits the errors of the mock's ResultX and WaitX.
func mockOutcomeHelpers(f *jen.File) {
	job := jen.Id("job")
	f.Add(doc("mockFailed is the error of a mock job whose outcome function returned err:\nthe job failed with err's message after its last attempt, or it was\ncancelled when err is runtime.ErrJobCancelled."))
	f.Func().Id("mockFailed").Params(jen.Id("job").Qual(rt, "Job"), jen.Id("err").Error()).Error().Block(
		jen.List(job.Clone().Dot("State"), job.Clone().Dot("Attempt")).Op("=").List(jen.Qual(rt, "StateFailed"), job.Clone().Dot("MaxRetries").Op("+").Lit(1)),
		jen.If(jen.Qual("errors", "Is").Call(jen.Id("err"), jen.Qual(rt, "ErrJobCancelled"))).Block(
			job.Clone().Dot("State").Op("=").Qual(rt, "StateCancelled"),
		),
		job.Clone().Dot("Error").Op("=").Op("&").Qual(rt, "JobError").Values(jen.Dict{
			jen.Id("Message"): jen.Id("err").Dot("Error").Call(),
			jen.Id("Type"):    jen.Qual("fmt", "Sprintf").Call(jen.Lit("%T"), jen.Id("err")),
		}),
		jen.Return(jen.Op("&").Qual(rt, "JobFailedError").Values(jen.Dict{jen.Id("Job"): jen.Id("job")})),
	)
	f.Add(doc("mockUnfinished is the error of a mock job without an outcome function."))
	f.Func().Id("mockUnfinished").Params(jen.Id("job").Qual(rt, "Job"), jen.Id("setter").String()).Error().Block(
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: MockEnqueuer: %s job %s has no outcome; give it one with %s"),
			jen.Qual(rt, "ErrJobNotFinished"), job.Clone().Dot("Type"), job.Clone().Dot("ID"), jen.Id("setter"))),
	)
	f.Add(doc("mockNotFound is the error of an ID the mock did not enqueue a job of\njobType under."))
	f.Func().Id("mockNotFound").Params(jen.List(jen.Id("jobType"), jen.Id("id")).String()).Error().Block(
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: MockEnqueuer enqueued no %s job %s"),
			jen.Qual(rt, "ErrJobNotFound"), jen.Id("jobType"), jen.Id("id"))),
	)
}
