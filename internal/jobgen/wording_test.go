package jobgen

import "testing"

// TestWording: counts in the right number, one message for one duplicate
// job type (naming both places), quoted option values, and a suggestion
// for a misspelled option key.
func TestWording(t *testing.T) {
	const head = "package h\n\nimport \"context\"\n\n// Args are args.\ntype Args struct{ N int }\n\n"
	handler := func(directive string) string {
		return head + directive + "\nfunc Run(ctx context.Context, args Args) error { return nil }\n"
	}
	checkSnippets(t, []snippet{
		{"one parameter", head + "//jobs:handler\nfunc Run(ctx context.Context) error { return nil }\n", []string{
			"h.go:9:9: handler Run takes 1 parameter; want (ctx context.Context, args T)",
		}},
		{"methods of the same name", head + `// A is a receiver.
type A struct{}

// B is a receiver.
type B struct{}

//jobs:handler
func (A) Run(ctx context.Context, args Args) error { return nil }

//jobs:handler
func (B) Run(ctx context.Context, args Args) error { return nil }
`, []string{
			`h.go:17:1: duplicate job type "run": handler A.Run at h.go:14:1 has it too, and both would generate TypeRun; rename one of them`,
		}},
		{"same name= only", head + "//jobs:handler name=send\nfunc Send(ctx context.Context, args Args) error { return nil }\n\n//jobs:handler name=send\nfunc Post(ctx context.Context, args Args) error { return nil }\n", []string{
			`h.go:11:16: duplicate job type "send": handler Send at h.go:8:1 has it too`,
		}},
		{"quoted queue with a space", handler(`//jobs:handler queue="my queue" timeout=1s`), []string{
			`h.go:8:16: queue name "my queue" contains ' '; use letters, digits and _ . - : /`,
		}},
		{"quoted values are unquoted", handler(`//jobs:handler name="billing.charge" queue="emails" max_retries=x`), []string{
			`h.go:8:53: option max_retries: "x" is not a whole number`,
		}},
		{"unclosed quote", handler(`//jobs:handler queue="emails tenant`), []string{
			`h.go:8:16: option queue: "emails tenant is not a valid quoted value (a closing " is missing, or text follows it)`,
		}},
		{"text after the quote", handler(`//jobs:handler name="a"b`), []string{
			`h.go:8:16: option name: "a"b is not a valid quoted value (a closing " is missing, or text follows it)`,
		}},
		{"misspelled keys", handler("//jobs:handler max_retry=3 Queue=a time=1s"), []string{
			`h.go:8:16: unknown option "max_retry" (did you mean max_retries?)`,
			`h.go:8:28: unknown option "Queue" (did you mean queue?)`,
			`h.go:8:36: unknown option "time" (did you mean timeout?)`,
		}},
	})
}
