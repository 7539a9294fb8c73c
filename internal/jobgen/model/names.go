package model

// Names are the identifiers generated for one handler with Ident X.
type Names struct {
	Const       string // TypeX, the job type constant
	Enqueue     string // EnqueueX, or EnqueueXForTenant for a tenant handler
	Schedule    string // ScheduleX, or ScheduleXForTenant
	Call        string // XCall, the mock's record of one call
	Calls       string // XCalls, the mock's accessor
	Fail        string // FailX, the mock's error injection
	Assert      string // AssertXEnqueued
	AssertNot   string // AssertXNotEnqueued
	Middleware  string // WithXMiddleware, the RegisterOption
	OptionsFunc string // xOptions, which puts annotation defaults first
	MockCalls   string // xCalls, the mock's field of recorded calls
	MockErr     string // xErr, the mock's injected error
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
		Call:        x + "Call",
		Calls:       x + "Calls",
		Fail:        "Fail" + x,
		Assert:      "Assert" + x + "Enqueued",
		AssertNot:   "Assert" + x + "NotEnqueued",
		Middleware:  "With" + x + "Middleware",
		OptionsFunc: lower + "Options",
		MockCalls:   lower + "Calls",
		MockErr:     lower + "Err",
	}
}

// all lists the names in one namespace: package-level identifiers and the
// methods of Client and MockEnqueuer share it here, which is stricter than
// Go but keeps the check simple and the generated API unambiguous.
func (n Names) all() []string {
	return []string{n.Const, n.Enqueue, n.Schedule, n.Call, n.Calls, n.Fail, n.Assert, n.AssertNot, n.Middleware, n.OptionsFunc, n.MockCalls, n.MockErr}
}

// FixedNames are the identifiers jobgen generates whatever the handlers:
// package-level ones and the methods and fields of Client and MockEnqueuer.
var FixedNames = []string{
	"Client", "NewClient", "Runtime", "client", "joinOptions", "errNoTenant", "Enqueuer",
	"RegisterOption", "Register", "registerConfig", "middleware", "handlerOptions",
	"MockEnqueuer", "AssertNothingEnqueued", "Jobs", "Reset", "Clock", "mu", "jobs",
	"record", "tenantErr", "describeCall", "describeCalls",
}
