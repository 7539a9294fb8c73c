package model

// Names are the identifiers generated for one handler with Ident X.
type Names struct {
	Const       string // TypeX, the job type constant
	Enqueue     string // EnqueueX, or EnqueueXForTenant for a tenant handler
	Schedule    string // ScheduleX, or ScheduleXForTenant
	Batch       string // EnqueueXBatch, or EnqueueXBatchForTenant
	Periodic    string // PeriodicX, or PeriodicXForTenant
	Result      string // ResultX, for handlers with a result
	Wait        string // WaitX
	Call        string // XCall, the mock's record of one call
	Calls       string // XCalls, the mock's accessor
	Fail        string // FailX, the mock's error injection
	SetResult   string // SetXResult, the mock's outcome function
	Assert      string // AssertXEnqueued
	AssertNot   string // AssertXNotEnqueued
	Middleware  string // WithXMiddleware, the RegisterOption
	OptionsFunc string // xOptions, which puts annotation defaults first
	Recorder    string // xRecorder, the mock's jobstest.Recorder field
	Guard       string // handler_X_changed_run_go_generate, the signature check
}

// NamesOf returns the identifiers generated for h.
func NamesOf(h *Handler) Names {
	x, lower := h.Ident, LowerFirst(h.Ident)
	suffix := ""
	if h.Tenant {
		suffix = "ForTenant"
	}
	return Names{
		Const:       "Type" + x,
		Enqueue:     "Enqueue" + x + suffix,
		Schedule:    "Schedule" + x + suffix,
		Batch:       "Enqueue" + x + "Batch" + suffix,
		Periodic:    "Periodic" + x + suffix,
		Result:      "Result" + x,
		Wait:        "Wait" + x,
		Call:        x + "Call",
		Calls:       x + "Calls",
		Fail:        "Fail" + x,
		SetResult:   "Set" + x + "Result",
		Assert:      "Assert" + x + "Enqueued",
		AssertNot:   "Assert" + x + "NotEnqueued",
		Middleware:  "With" + x + "Middleware",
		OptionsFunc: lower + "Options",
		Recorder:    lower + "Recorder",
		Guard:       "handler_" + x + "_changed_run_go_generate",
	}
}

// all lists the names in one namespace: package-level identifiers and the
// methods of Client and MockEnqueuer share it here, which is stricter than
// Go but keeps the check simple and the generated API unambiguous. Result
// is listed for every handler, even those without a result that do not
// generate it, so that adding a result to a handler never makes a clash.
func (n Names) all() []string {
	return []string{
		n.Const, n.Enqueue, n.Schedule, n.Batch, n.Periodic, n.Result, n.Wait, n.Call, n.Calls, n.Fail, n.SetResult,
		n.Assert, n.AssertNot, n.Middleware, n.OptionsFunc, n.Recorder,
	}
}

// FixedNames are the identifiers jobgen generates whatever the handlers:
// package-level ones and the methods and fields of Client and MockEnqueuer.
var FixedNames = []string{
	"Client", "NewClient", "Runtime", "client", "joinOptions", "errNoTenant", "Enqueuer", "Results", "Queues",
	"enqueueBatch", "RegisterOption", "Register", "registerConfig", "middleware", "handlerOptions",
	"MockEnqueuer", "AssertNothingEnqueued", "Jobs", "Reset", "Clock", "once", "journal", "setup",
}
