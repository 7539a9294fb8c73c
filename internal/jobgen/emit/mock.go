package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// Mock returns the mock file: MockEnqueuer and one XCall type per handler.
func Mock(p *model.Package, cfg Config) ([]byte, error) {
	f := newFile(p, cfg)
	fields := []jen.Code{
		doc("Clock stamps the jobs the mock returns; nil means the system clock. Set\nit before the first call."),
		jen.Id("Clock").Qual(rt, "Clock"),
		jen.Line(),
		jen.Id("mu").Qual("sync", "Mutex"),
		jen.Id("jobs").Index().Qual(rt, "Job"),
	}
	for _, h := range p.Handlers {
		n := model.NamesOf(h)
		fields = append(fields,
			jen.Id(n.MockCalls).Index().Id(n.Call),
			jen.Id(n.MockErr).Error(),
			jen.Id(n.MockResult).Add(outcomeFunc(h)),
		)
	}
	f.Add(doc("MockEnqueuer is an Enqueuer and Results for tests. It records every call\n" +
		"with its typed args and its options resolved as the real Client would\n" +
		"enqueue them, fails on demand per job type (FailX), and asserts on what was\n" +
		"enqueued (AssertXEnqueued, AssertNothingEnqueued). It returns the jobs the\n" +
		"real Client would create, validated the same way. Its jobs never run: they\n" +
		"finish with the outcome a function set with SetXResult gives them, for\n" +
		"ResultX and WaitX. Its zero value is ready to use; it is safe for\n" +
		"concurrent use."))
	f.Type().Id("MockEnqueuer").Struct(fields...)

	for _, h := range p.Handlers {
		mockHandler(f, h)
		mockResults(f, h)
	}
	mockCommon(f, p)
	mockOutcomeHelpers(f)
	return render(f)
}

// mockHandler emits XCall and the MockEnqueuer methods of one handler.
func mockHandler(f *jen.File, h *model.Handler) {
	n := model.NamesOf(h)
	fields := []jen.Code{
		doc("Args are the job's args."),
		jen.Id("Args").Add(typeCode(h.Args)),
	}
	if h.Tenant {
		fields = append(fields, doc("TenantID is the tenant the job was enqueued for."), jen.Id("TenantID").String())
	}
	fields = append(fields,
		doc(fmt.Sprintf("At is the time passed to %s; zero for %s and %s.", n.Schedule, n.Enqueue, n.Batch)),
		jen.Id("At").Qual("time", "Time"),
		doc("Options are the call's options resolved after the annotation's defaults,\n"+
			"as the real Client would enqueue them. Fields that neither the annotation\n"+
			"nor the caller set are zero (Queue \"\", MaxRetries nil); Job carries the\n"+
			"values the job got, the runtime's defaults filled in. Unique records a\n"+
			"Unique or UniqueByKey option, which the mock does not enforce."),
		jen.Id("Options").Qual(rt, "EnqueueOptions"),
		doc("Job is the job the call returned; zero when it failed."),
		jen.Id("Job").Qual(rt, "Job"),
		doc("Err is the error the call returned."),
		jen.Id("Err").Error(),
	)
	f.Add(doc(fmt.Sprintf("%s is one call of MockEnqueuer.%s or MockEnqueuer.%s, or one job of MockEnqueuer.%s.", n.Call, n.Enqueue, n.Schedule, n.Batch)))
	f.Type().Id(n.Call).Struct(fields...)

	m := func() *jen.Statement { return f.Func().Params(jen.Id("m").Op("*").Id("MockEnqueuer")) }
	injected := jen.Id("m").Dot(n.MockErr)
	if h.Tenant {
		injected = jen.Id("m").Dot("tenantErr").Call(jen.Id("tenantID"), jen.Id(n.Const), jen.Id("m").Dot(n.MockErr))
	}
	lock := []jen.Code{jen.Id("m").Dot("mu").Dot("Lock").Call(), jen.Defer().Id("m").Dot("mu").Dot("Unlock").Call()}
	for _, meth := range []method{enqueueMethod, scheduleMethod} {
		call := jen.Dict{
			jen.Id("Args"):    jen.Id("args"),
			jen.Id("Options"): jen.Qual(rt, "ResolveEnqueueOptions").Call(meth.resolved(h).Op("...")),
		}
		if h.Tenant {
			call[jen.Id("TenantID")] = jen.Id("tenantID")
		}
		if meth == scheduleMethod {
			call[jen.Id("At")] = jen.Id("at")
		}
		f.Add(doc(fmt.Sprintf("%s records the call and returns the job the real Client would enqueue, or the error set with %s.", meth.name(h), n.Fail)))
		m().Id(meth.name(h)).Params(meth.params(h)...).Add(meth.results()).Block(append(append([]jen.Code{
			jen.Id("call").Op(":=").Id(n.Call).Values(call)}, lock...),
			jen.List(jen.Id("call").Dot("Job"), jen.Id("call").Dot("Err")).Op("=").Id("m").Dot("record").Call(
				jen.Id("ctx"), jen.Id(n.Const), jen.Id("args"), jen.Id("call").Dot("Options"), injected,
			),
			jen.Id("m").Dot(n.MockCalls).Op("=").Append(jen.Id("m").Dot(n.MockCalls), jen.Id("call")),
			jen.Return(jen.Id("call").Dot("Job"), jen.Id("call").Dot("Err")),
		)...)
	}

	batch := jen.Dict{jen.Id("Args"): jen.Id("a"), jen.Id("Options"): jen.Id("o"), jen.Id("Err"): jen.Id("err")}
	if h.Tenant {
		batch[jen.Id("TenantID")] = jen.Id("tenantID")
	}
	f.Add(doc(fmt.Sprintf("%s records one call per element of args and returns the jobs the real Client would enqueue, or the error set with %s. Like the real Client it enqueues all or none: when one job fails, every call of the batch is recorded with the error.", n.Batch, n.Fail)))
	m().Id(n.Batch).Params(batchMethod.params(h)...).Add(batchMethod.results()).Block(append(append([]jen.Code{
		jen.Id("o").Op(":=").Qual(rt, "ResolveEnqueueOptions").Call(batchMethod.resolved(h).Op("..."))}, lock...),
		jen.List(jen.Id("jobs"), jen.Id("err")).Op(":=").Id("recordBatch").Call(jen.Id("ctx"), jen.Id("m"), jen.Id(n.Const), jen.Id("args"), jen.Id("o"), injected.Clone()),
		jen.For(jen.List(jen.Id("i"), jen.Id("a")).Op(":=").Range().Id("args")).Block(
			jen.Id("call").Op(":=").Id(n.Call).Values(batch),
			jen.If(jen.Id("err").Op("==").Nil()).Block(jen.Id("call").Dot("Job").Op("=").Id("jobs").Index(jen.Id("i"))),
			jen.Id("m").Dot(n.MockCalls).Op("=").Append(jen.Id("m").Dot(n.MockCalls), jen.Id("call")),
		),
		jen.Return(jen.Id("jobs"), jen.Id("err")),
	)...)

	f.Add(doc(fmt.Sprintf("%s makes the later %s calls fail with err, recorded with Err set and no job enqueued; nil makes them succeed again.", n.Fail, h.JobType)))
	m().Id(n.Fail).Params(jen.Id("err").Error()).Block(
		jen.Id("m").Dot("mu").Dot("Lock").Call(),
		jen.Defer().Id("m").Dot("mu").Dot("Unlock").Call(),
		jen.Id("m").Dot(n.MockErr).Op("=").Id("err"),
	)

	f.Add(doc(fmt.Sprintf("%s returns the %s calls so far, oldest first, failed ones included.", n.Calls, h.JobType)))
	m().Id(n.Calls).Params().Index().Id(n.Call).Block(
		jen.Id("m").Dot("mu").Dot("Lock").Call(),
		jen.Defer().Id("m").Dot("mu").Dot("Unlock").Call(),
		jen.Return(jen.Qual("slices", "Clone").Call(jen.Id("m").Dot(n.MockCalls))),
	)

	argsT := typeCode(h.Args)
	match := jen.Id("match").Func().Params(argsT).Bool()
	matches := jen.Id("c").Dot("Err").Op("==").Nil().Op("&&").Parens(jen.Id("match").Op("==").Nil().Op("||").Id("match").Call(jen.Id("c").Dot("Args")))
	f.Add(doc(fmt.Sprintf("%s reports a test error unless a job of type %s whose args satisfy match (nil matches any) was enqueued. It returns whether one was.", n.Assert, h.JobType)))
	m().Id(n.Assert).Params(jen.Id("t").Qual("testing", "TB"), match).Bool().Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.Id("calls").Op(":=").Id("m").Dot(n.Calls).Call(),
		jen.Id("seen").Op(":=").Make(jen.Index().String(), jen.Lit(0), jen.Len(jen.Id("calls"))),
		jen.For(jen.List(jen.Id("_"), jen.Id("c")).Op(":=").Range().Id("calls")).Block(
			jen.If(matches).Block(jen.Return(jen.True())),
			jen.Id("seen").Op("=").Append(jen.Id("seen"), jen.Id("describeCall").Call(jen.Id("c").Dot("Args"), jen.Id("c").Dot("Err"))),
		),
		jen.Id("t").Dot("Errorf").Call(jen.Lit(fmt.Sprintf("MockEnqueuer: no matching %s job was enqueued; calls: %%s", h.JobType)), jen.Id("describeCalls").Call(jen.Id("seen"))),
		jen.Return(jen.False()),
	)

	f.Add(doc(fmt.Sprintf("%s reports a test error if a job of type %s whose args satisfy match (nil matches any) was enqueued. It returns whether none was.", n.AssertNot, h.JobType)))
	m().Id(n.AssertNot).Params(jen.Id("t").Qual("testing", "TB"), match.Clone()).Bool().Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.Var().Id("found").Index().String(),
		jen.For(jen.List(jen.Id("_"), jen.Id("c")).Op(":=").Range().Id("m").Dot(n.Calls).Call()).Block(
			jen.If(matches.Clone()).Block(
				jen.Id("found").Op("=").Append(jen.Id("found"), jen.Id("describeCall").Call(jen.Id("c").Dot("Args"), jen.Nil())),
			),
		),
		jen.If(jen.Len(jen.Id("found")).Op(">").Lit(0)).Block(
			jen.Id("t").Dot("Errorf").Call(jen.Lit(fmt.Sprintf("MockEnqueuer: %%d matching %s job(s) enqueued: %%s", h.JobType)), jen.Len(jen.Id("found")), jen.Id("describeCalls").Call(jen.Id("found"))),
			jen.Return(jen.False()),
		),
		jen.Return(jen.True()),
	)
}

// mockCommon emits the MockEnqueuer methods shared by every job type.
func mockCommon(f *jen.File, p *model.Package) {
	m := func() *jen.Statement { return f.Func().Params(jen.Id("m").Op("*").Id("MockEnqueuer")) }
	fail := func(err jen.Code) jen.Code { return jen.Return(jen.Qual(rt, "Job").Values(), err) }

	f.Add(doc("record creates the job of a call, as the real Client would, and keeps it;\nor returns the injected error. The caller holds m.mu."))
	m().Id("record").Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("jobType").String(), jen.Id("args").Any(),
		jen.Id("o").Qual(rt, "EnqueueOptions"), jen.Id("injected").Error(),
	).Add(enqueueMethod.results()).Block(
		jen.If(jen.Id("injected").Op("!=").Nil()).Block(fail(jen.Id("injected"))),
		jen.If(jen.Id("err").Op(":=").Id("ctx").Dot("Err").Call(), jen.Id("err").Op("!=").Nil()).Block(fail(jen.Id("err"))),
		jen.List(jen.Id("raw"), jen.Id("err")).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("args")),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(fail(jen.Qual("fmt", "Errorf").Call(
			jen.Lit("%w: encode args of %s: %v"), jen.Qual(rt, "ErrInvalidJob"), jen.Id("jobType"), jen.Id("err"),
		))),
		jen.Id("now").Op(":=").Qual("time", "Now").Call(),
		jen.If(jen.Id("m").Dot("Clock").Op("!=").Nil()).Block(jen.Id("now").Op("=").Id("m").Dot("Clock").Dot("Now").Call()),
		jen.List(jen.Id("job"), jen.Id("err")).Op(":=").Qual(rt, "NewJob").Call(jen.Id("jobType"), jen.Id("raw"), jen.Id("o"), jen.Id("now")),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(fail(jen.Id("err"))),
		jen.Id("m").Dot("jobs").Op("=").Append(jen.Id("m").Dot("jobs"), jen.Id("job")),
		jen.Return(jen.Id("job"), jen.Nil()),
	)

	f.Add(doc("recordBatch creates and keeps the jobs of a batch, as the real Client\nwould: all of them, or none and the first error. The caller holds m.mu."))
	f.Func().Id("recordBatch").Types(jen.Id("T").Any()).Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("m").Op("*").Id("MockEnqueuer"), jen.Id("jobType").String(),
		jen.Id("args").Index().Id("T"), jen.Id("o").Qual(rt, "EnqueueOptions"), jen.Id("injected").Error(),
	).Add(batchMethod.results()).Block(
		jen.Id("n").Op(":=").Len(jen.Id("m").Dot("jobs")),
		jen.For(jen.List(jen.Id("i"), jen.Id("a")).Op(":=").Range().Id("args")).Block(
			jen.If(jen.List(jen.Id("_"), jen.Id("err")).Op(":=").Id("m").Dot("record").Call(
				jen.Id("ctx"), jen.Id("jobType"), jen.Id("a"), jen.Id("o"), jen.Id("injected"),
			), jen.Id("err").Op("!=").Nil()).Block(
				jen.Id("m").Dot("jobs").Op("=").Id("m").Dot("jobs").Index(jen.Empty(), jen.Id("n")),
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("batch item %d: %w"), jen.Id("i"), jen.Id("err"))),
			),
		),
		jen.Return(jen.Qual("slices", "Clone").Call(jen.Id("m").Dot("jobs").Index(jen.Id("n"), jen.Empty())), jen.Nil()),
	)

	if hasTenant(p) {
		f.Add(doc("tenantErr is the error of a tenant call: a missing tenant ID first, then\nthe injected error."))
		m().Id("tenantErr").Params(jen.List(jen.Id("tenantID"), jen.Id("jobType")).String(), jen.Id("injected").Error()).Error().Block(
			jen.If(jen.Id("tenantID").Op("==").Lit("")).Block(jen.Return(jen.Id("errNoTenant").Call(jen.Id("jobType")))),
			jen.Return(jen.Id("injected")),
		)
	}

	f.Add(doc("Jobs returns the jobs enqueued so far, of every type, oldest first."))
	m().Id("Jobs").Params().Index().Qual(rt, "Job").Block(
		jen.Id("m").Dot("mu").Dot("Lock").Call(),
		jen.Defer().Id("m").Dot("mu").Dot("Unlock").Call(),
		jen.Return(jen.Qual("slices", "Clone").Call(jen.Id("m").Dot("jobs"))),
	)

	reset := []jen.Code{
		jen.Id("m").Dot("mu").Dot("Lock").Call(),
		jen.Defer().Id("m").Dot("mu").Dot("Unlock").Call(),
		jen.Id("m").Dot("jobs").Op("=").Nil(),
	}
	for _, h := range p.Handlers {
		n := model.NamesOf(h)
		reset = append(reset,
			jen.Id("m").Dot(n.MockCalls).Op("=").Nil(),
			jen.Id("m").Dot(n.MockErr).Op("=").Nil(),
			jen.Id("m").Dot(n.MockResult).Op("=").Nil(),
		)
	}
	f.Add(doc("Reset forgets every call, injected error and outcome function."))
	m().Id("Reset").Params().Block(reset...)

	f.Add(doc("AssertNothingEnqueued reports a test error if any job was enqueued. It\nreturns whether none was."))
	m().Id("AssertNothingEnqueued").Params(jen.Id("t").Qual("testing", "TB")).Bool().Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.Id("jobs").Op(":=").Id("m").Dot("Jobs").Call(),
		jen.If(jen.Len(jen.Id("jobs")).Op("==").Lit(0)).Block(jen.Return(jen.True())),
		jen.Id("seen").Op(":=").Make(jen.Index().String(), jen.Len(jen.Id("jobs"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("j")).Op(":=").Range().Id("jobs")).Block(
			jen.Id("seen").Index(jen.Id("i")).Op("=").Id("j").Dot("Type").Op("+").Lit(" ").Op("+").String().Call(jen.Id("j").Dot("Args")),
		),
		jen.Id("t").Dot("Errorf").Call(jen.Lit("MockEnqueuer: want no job enqueued, got %d: %s"), jen.Len(jen.Id("jobs")), jen.Id("describeCalls").Call(jen.Id("seen"))),
		jen.Return(jen.False()),
	)

	f.Add(doc("describeCall formats one call for a failure message."))
	f.Func().Id("describeCall").Params(jen.Id("args").Any(), jen.Id("err").Error()).String().Block(
		jen.Id("s").Op(":=").Qual("fmt", "Sprintf").Call(jen.Lit("%+v"), jen.Id("args")),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Id("s").Op("+=").Lit(" (failed: ").Op("+").Id("err").Dot("Error").Call().Op("+").Lit(")")),
		jen.Return(jen.Id("s")),
	)
	f.Add(doc("describeCalls formats calls one per line for a failure message."))
	f.Func().Id("describeCalls").Params(jen.Id("calls").Index().String()).String().Block(
		jen.If(jen.Len(jen.Id("calls")).Op("==").Lit(0)).Block(jen.Return(jen.Lit("none"))),
		jen.Return(jen.Lit("\n\t").Op("+").Qual("strings", "Join").Call(jen.Id("calls"), jen.Lit("\n\t"))),
	)
}
