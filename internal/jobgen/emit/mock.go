package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// jt is the package of the mock's runtime: the generated MockEnqueuer holds
// one jobstest.Recorder per handler and its methods delegate to them.
const jt = "github.com/jobsgo/jobs/jobstest"

// Mock returns the mock file: MockEnqueuer, thin typed methods over one
// jobstest.Recorder per handler, and one XCall alias per handler.
func Mock(p *model.Package, cfg Config) ([]byte, error) {
	f := newFile(p, cfg)
	f.ImportName(jt, "jobstest")
	fields := []jen.Code{
		doc("Clock stamps the jobs the mock returns; nil means the system clock. Set\nit before the first call."),
		jen.Id("Clock").Qual(rt, "Clock"),
		jen.Line(),
		jen.Id("once").Qual("sync", "Once"),
		jen.Id("journal").Op("*").Qual(jt, "Journal"),
	}
	for _, h := range p.Handlers {
		fields = append(fields, jen.Id(model.NamesOf(h).Recorder).Op("*").Add(recorderType(h)))
	}
	f.Add(doc("MockEnqueuer is an Enqueuer and Results for tests. It records every call\n" +
		"with its typed args and its options resolved as the real Client would\n" +
		"enqueue them, fails on demand per job type (FailX), and asserts on what was\n" +
		"enqueued (AssertXEnqueued, AssertNothingEnqueued). It returns the jobs the\n" +
		"real Client would create, validated the same way. Its jobs never run: they\n" +
		"finish with the outcome a function set with SetXResult gives them, for\n" +
		"ResultX and WaitX. Its zero value is ready to use; it is safe for\n" +
		"concurrent use. Its logic is package jobstest's, one Recorder per job type."))
	f.Type().Id("MockEnqueuer").Struct(fields...)

	mockSetup(f, p)
	for _, h := range p.Handlers {
		mockHandler(f, h)
		mockResults(f, h)
	}
	mockCommon(f)
	return render(f)
}

// recorderType spells h's jobstest.Recorder type.
func recorderType(h *model.Handler) *jen.Statement {
	return jen.Qual(jt, "Recorder").Types(recorderTypeArgs(h)...)
}

// recorderTypeArgs are the type arguments of h's jobstest.Recorder: the
// args type and the result type, jobstest.NoResult when there is none.
func recorderTypeArgs(h *model.Handler) []jen.Code {
	if h.Result == nil {
		return []jen.Code{typeCode(h.Args), jen.Qual(jt, "NoResult")}
	}
	return []jen.Code{typeCode(h.Args), typeCode(h.Result)}
}

// mockSetup emits setup, which makes the journal and the recorders at the
// mock's first use.
func mockSetup(f *jen.File, p *model.Package) {
	body := []jen.Code{jen.Id("m").Dot("journal").Op("=").Qual(jt, "NewJournal").Call(jen.Op("&").Id("m").Dot("Clock"))}
	for _, h := range p.Handlers {
		n := model.NamesOf(h)
		spec := []jen.Code{jen.Id("JobType").Op(":").Id(n.Const), jen.Id("Setter").Op(":").Lit(n.SetResult)}
		if h.Tenant {
			spec = append(spec, jen.Id("NoTenant").Op(":").Id("errNoTenant").Call(jen.Id(n.Const)))
		}
		body = append(body, jen.Id("m").Dot(n.Recorder).Op("=").Qual(jt, "NewRecorder").Types(recorderTypeArgs(h)...).
			Call(jen.Id("m").Dot("journal"), jen.Qual(jt, "Spec").Values(spec...)))
	}
	f.Add(doc("setup makes m's journal and recorders at its first use, which keeps the\nzero MockEnqueuer ready to use, and returns m."))
	mockMethod(f, "setup").Params().Op("*").Id("MockEnqueuer").Block(
		jen.Id("m").Dot("once").Dot("Do").Call(jen.Func().Params().Block(body...)),
		jen.Return(jen.Id("m")),
	)
}

// mockMethod starts the declaration of MockEnqueuer's method name.
func mockMethod(f *jen.File, name string) *jen.Statement {
	return f.Func().Params(jen.Id("m").Op("*").Id("MockEnqueuer")).Id(name)
}

// recorder spells h's recorder, set up.
func recorder(h *model.Handler) *jen.Statement {
	return jen.Id("m").Dot("setup").Call().Dot(model.NamesOf(h).Recorder)
}

// mockHandler emits XCall and the MockEnqueuer methods of one handler that
// enqueue and assert.
func mockHandler(f *jen.File, h *model.Handler) {
	n := model.NamesOf(h)
	f.Add(doc(fmt.Sprintf("%s is one call of MockEnqueuer.%s or MockEnqueuer.%s, or one job of MockEnqueuer.%s.", n.Call, n.Enqueue, n.Schedule, n.Batch)))
	f.Type().Id(n.Call).Op("=").Qual(jt, "Call").Types(typeCode(h.Args))

	for _, meth := range methods {
		var what, name string
		var args []jen.Code
		switch meth {
		case enqueueMethod:
			what, name = "the call and returns the job", "Enqueue"
		case scheduleMethod:
			what, name, args = "the call and returns the job", "Schedule", []jen.Code{jen.Id("at")}
		default:
			what = "one call per element of args and returns the jobs"
			name = "EnqueueBatch"
		}
		if h.Tenant {
			name += "ForTenant"
			args = append([]jen.Code{jen.Id("tenantID")}, args...)
		}
		args = append(append([]jen.Code{jen.Id("ctx")}, args...), jen.Id("args"), jen.Id(n.OptionsFunc).Call(jen.Id("opts")).Op("..."))
		text := fmt.Sprintf("%s records %s the real Client would enqueue, or the error set with %s.", meth.name(h), what, n.Fail)
		if meth == batchMethod {
			text += " Like the real Client it enqueues all or none: when one job fails, every call of the batch is recorded with the error."
		}
		f.Add(doc(text))
		mockMethod(f, meth.name(h)).Params(meth.params(h)...).Add(meth.results()).Block(
			jen.Return(recorder(h).Dot(name).Call(args...)),
		)
	}

	f.Add(doc(fmt.Sprintf("%s makes the later %s calls fail with err, recorded with Err set and no job enqueued; nil makes them succeed again.", n.Fail, h.JobType)))
	mockMethod(f, n.Fail).Params(jen.Id("err").Error()).Block(recorder(h).Dot("Fail").Call(jen.Id("err")))

	f.Add(doc(fmt.Sprintf("%s returns the %s calls so far, oldest first, failed ones included.", n.Calls, h.JobType)))
	mockMethod(f, n.Calls).Params().Index().Id(n.Call).Block(jen.Return(recorder(h).Dot("Calls").Call()))

	match := func() jen.Code { return jen.Id("match").Func().Params(typeCode(h.Args)).Bool() }
	f.Add(doc(fmt.Sprintf("%s reports a test error unless a job of type %s whose args satisfy match (nil matches any) was enqueued. It returns whether one was.", n.Assert, h.JobType)))
	mockMethod(f, n.Assert).Params(jen.Id("t").Qual("testing", "TB"), match()).Bool().Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.Return(recorder(h).Dot("AssertEnqueued").Call(jen.Id("t"), jen.Id("match"))),
	)
	f.Add(doc(fmt.Sprintf("%s reports a test error if a job of type %s whose args satisfy match (nil matches any) was enqueued. It returns whether none was.", n.AssertNot, h.JobType)))
	mockMethod(f, n.AssertNot).Params(jen.Id("t").Qual("testing", "TB"), match()).Bool().Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.Return(recorder(h).Dot("AssertNotEnqueued").Call(jen.Id("t"), jen.Id("match"))),
	)
}

// mockCommon emits the MockEnqueuer methods shared by every job type.
func mockCommon(f *jen.File) {
	journal := func() *jen.Statement { return jen.Id("m").Dot("setup").Call().Dot("journal") }
	f.Add(doc("Jobs returns the jobs enqueued so far, of every type, oldest first."))
	mockMethod(f, "Jobs").Params().Index().Qual(rt, "Job").Block(jen.Return(journal().Dot("Jobs").Call()))

	f.Add(doc("Reset forgets every call, injected error and outcome function."))
	mockMethod(f, "Reset").Params().Block(journal().Dot("Reset").Call())

	f.Add(doc("AssertNothingEnqueued reports a test error if any job was enqueued. It\nreturns whether none was."))
	mockMethod(f, "AssertNothingEnqueued").Params(jen.Id("t").Qual("testing", "TB")).Bool().Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.Return(journal().Dot("AssertNothingEnqueued").Call(jen.Id("t"))),
	)
}
