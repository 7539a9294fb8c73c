package jobgen

import "testing"

// TestNearMissDirectives: a comment line that starts like //jobs:handler
// but is not one is reported at its position with the right spelling,
// since jobgen would otherwise skip its handler and exit 0; prose that
// mentions the directive is left alone.
func TestNearMissDirectives(t *testing.T) {
	const head = "package h\n\nimport \"context\"\n\n// Args are args.\ntype Args struct{ N int }\n\n"
	handler := func(directive string) string {
		return head + "// Run runs.\n//\n" + directive + "\nfunc Run(ctx context.Context, args Args) error { return nil }\n"
	}
	checkSnippets(t, []snippet{
		{"space after slashes", handler("// jobs:handler"), []string{
			`h.go:10:1: "// jobs:handler" is an ordinary comment, not a directive (no space may follow the slashes): did you mean //jobs:handler?`,
		}},
		{"space after slashes with options", handler("// jobs:handler queue=emails"), []string{
			`h.go:10:1: "// jobs:handler" is an ordinary comment, not a directive (no space may follow the slashes): did you mean //jobs:handler?`,
		}},
		{"plural", handler("//jobs:handlers"), []string{`h.go:10:1: misspelled directive "//jobs:handlers": did you mean //jobs:handler?`}},
		{"singular job", handler("//job:handler queue=a"), []string{`h.go:10:1: misspelled directive "//job:handler": did you mean //jobs:handler?`}},
		{"case", handler("//Jobs:Handler"), []string{`h.go:10:1: misspelled directive "//Jobs:Handler": did you mean //jobs:handler?`}},
		{"missing colon", handler("//jobshandler"), []string{`h.go:10:1: misspelled directive "//jobshandler": did you mean //jobs:handler?`}},
		{"space for colon", handler("//jobs handler"), []string{`h.go:10:1: misspelled directive "//jobs handler": did you mean //jobs:handler?`}},
		{"space after colon", handler("//jobs: handler tenant"), []string{`h.go:10:1: misspelled directive "//jobs: handler": did you mean //jobs:handler?`}},
		{"spaces around", handler("// jobs: handler queue=a"), []string{`h.go:10:1: misspelled directive "// jobs: handler": did you mean //jobs:handler?`}},
		{"truncated", handler("//jobs:handle"), []string{`h.go:10:1: misspelled directive "//jobs:handle": did you mean //jobs:handler?`}},
		{"tab and case", handler("//\tJobs:handler name=x"), []string{"h.go:10:1: misspelled directive \"//\\tJobs:handler\": did you mean //jobs:handler?"}},
		{"inside a body", head + "func f(context.Context) {\n\t//job:handler\n}\n", []string{`h.go:9:2: misspelled directive "//job:handler": did you mean //jobs:handler?`}},
		{
			// Prose and quoted examples are not directives, misspelled or not;
			// the one real near miss still is reported.
			"prose",
			head + "// Run follows the jobs:handler docs; see\n// jobs:handler directives in the README,\n// //jobs:handler queue=x is an example,\n// jobs handler.\n/* jobs:handler */\n//go:generate jobgen\n//jobs:handlerx\nfunc Run(ctx context.Context, args Args) error { return nil }\n",
			[]string{`h.go:14:1: misspelled directive "//jobs:handlerx": did you mean //jobs:handler?`},
		},
	})
}
