package misplaced

import "context"

// Args are args.
//
//jobs:handler
type Args struct{ N int }

//jobs:handler
var X = 1

//jobs:handler

// Detached has a blank line between the directive and itself.
func Detached(ctx context.Context, args Args) error { return nil }

// Twice has two directives.
//
//jobs:handler queue=a
//jobs:handler queue=b
func Twice(ctx context.Context, args Args) error { return nil }

func body() {
	//jobs:handler
}
