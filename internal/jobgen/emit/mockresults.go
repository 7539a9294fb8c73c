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

// outcomeAdapter names the jobstest function that makes the function
// SetXResult takes a jobstest.Outcome.
func outcomeAdapter(h *model.Handler) string {
	name := "ByArgs"
	if h.Tenant {
		name = "ByTenantArgs"
	}
	if h.Result == nil {
		name = "Err" + name
	}
	return name
}

// mockResults emits the mock's SetXResult, ResultX and WaitX of h.
func mockResults(f *jen.File, h *model.Handler) {
	n := model.NamesOf(h)
	forWhat := "their args"
	if h.Tenant {
		forWhat = "their tenant ID and args"
	}
	f.Add(doc(fmt.Sprintf("%s makes the %s jobs enqueued through m finish with what fn returns for %s: ", n.SetResult, h.JobType, forWhat) +
		"an error makes the job fail, or be cancelled when it is jobs.ErrJobCancelled. " +
		fmt.Sprintf("fn runs at each %s call, for jobs enqueued before or after; nil leaves the jobs unfinished again.", outcomeMethods(h))))
	mockMethod(f, n.SetResult).Params(jen.Id("fn").Add(outcomeFunc(h))).Block(
		recorder(h).Dot("SetOutcome").Call(jen.Qual(jt, outcomeAdapter(h)).Call(jen.Id("fn"))),
	)

	result := recorder(h).Dot("Result").Call(jen.Id("ctx"), jen.Id("id"))
	lookup := fmt.Sprintf("A job m did not enqueue as %s gives jobs.ErrJobNotFound; one without an outcome function jobs.ErrJobNotFinished.", h.JobType)
	if h.Result == nil {
		f.Add(doc(fmt.Sprintf("%s returns at once what the function set with %s gives the %s job id: nil, or a *jobs.JobFailedError. ", n.Wait, n.SetResult, h.JobType) + lookup))
		mockMethod(f, n.Wait).Params(resultParams()...).Error().Block(
			jen.List(jen.Id("_"), jen.Id("err")).Op(":=").Add(result),
			jen.Return(jen.Id("err")),
		)
		return
	}
	f.Add(doc(fmt.Sprintf("%s returns the result the function set with %s gives the %s job id, or a *jobs.JobFailedError. ", n.Result, n.SetResult, h.JobType) + lookup))
	mockMethod(f, n.Result).Params(resultParams()...).Add(resultResults(h)).Block(jen.Return(result))
	f.Add(doc(fmt.Sprintf("%s is %s: the mock's jobs finish as soon as they have an outcome, so it returns at once rather than block.", n.Wait, n.Result)))
	mockMethod(f, n.Wait).Params(resultParams()...).Add(resultResults(h)).Block(jen.Return(result.Clone()))
}

// outcomeMethods names the mock methods that run an outcome function.
func outcomeMethods(h *model.Handler) string {
	n := model.NamesOf(h)
	if h.Result == nil {
		return n.Wait
	}
	return n.Result + " or " + n.Wait
}
