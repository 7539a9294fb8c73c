package jobgen

import "testing"

// TestDroppedFields: args and results must not lose data silently. Every
// unexported field without a json:"-" tag is an error at its declaration
// (once, however many handlers use it), reached through embedded structs,
// nested named types, pointers, slices and maps; a type of which nothing
// would be encoded is an error at the handler. Types that marshal
// themselves, json:"-" fields and fieldless structs are fine.
func TestDroppedFields(t *testing.T) {
	const head = "package h\n\nimport (\n\t\"context\"\n\t\"sync/atomic\"\n\t\"time\"\n)\n\nvar _ atomic.Int64\nvar _ time.Time\n\n"
	checkSnippets(t, []snippet{
		{"unexported beside exported", head + `// Args are args.
type Args struct {
	Public int
	secret string
}

//jobs:handler
func Run(ctx context.Context, args Args) error { return nil }

//jobs:handler
func Again(ctx context.Context, args Args) error { return nil }
`, []string{
			"h.go:15:2: Args.secret is unexported, so encoding/json drops it from the args of handler Run: export it, or tag it `json:\"-\"` to drop it on purpose",
		}},
		{"only unexported", head + `// Args are args.
type Args struct {
	a, b int
}

//jobs:handler
func Run(ctx context.Context, args Args) error { return nil }
`, []string{
			"h.go:14:2: Args.a is unexported, so encoding/json drops it from the args of handler Run: export it, or tag it `json:\"-\"` to drop it on purpose",
			"h.go:14:5: Args.b is unexported, so encoding/json drops it from the args of handler Run: export it, or tag it `json:\"-\"` to drop it on purpose",
			"h.go:18:36: handler Run: args type Args has no field encoding/json would encode, so every job would store {}: export its fields (or give it a MarshalJSON method)",
		}},
		{"all tagged out", head + "// Args are args.\ntype Args struct {\n\tCache map[string]int `json:\"-\"`\n\tmu    int            `json:\"-\"`\n}\n\n//jobs:handler\nfunc Run(ctx context.Context, args Args) error { return nil }\n", []string{
			"h.go:19:36: handler Run: args type Args has no field encoding/json would encode, so every job would store {}: export its fields (or give it a MarshalJSON method)",
		}},
		{"nested, embedded, recursive, in containers", head + `// Args are args.
type Args struct {
	inner
	Items []Item
	ByKey map[string]*Item
	Next  *Args
}

type inner struct {
	Shown  int
	hidden int
}

// Item is an item.
type Item struct {
	Name  string
	price int
	Owner *Args
}

// Result is a result.
type Result struct {
	Count atomic.Int64
	At    time.Time
	Sum   Sum
}

// Sum marshals itself, so its fields do not matter.
type Sum struct{ total int }

// MarshalJSON encodes a Sum.
func (s Sum) MarshalJSON() ([]byte, error) { return nil, nil }

//jobs:handler
func Run(ctx context.Context, args Args) (Result, error) { return Result{}, nil }
`, []string{
			"h.go:22:2: Args.inner.hidden is unexported, so encoding/json drops it from the args of handler Run: export it, or tag it `json:\"-\"` to drop it on purpose",
			"h.go:28:2: Args.Items[].price is unexported, so encoding/json drops it from the args of handler Run: export it, or tag it `json:\"-\"` to drop it on purpose",
			"h.go:46:43: handler Run: result type Result: Result.Count.v is an unexported field of package sync/atomic, which encoding/json drops: use a type that encodes its data (exported fields or a MarshalJSON method), or tag the field holding it `json:\"-\"` to drop it on purpose",
		}},
	})
}
