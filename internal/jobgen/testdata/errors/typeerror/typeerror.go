package typeerror

import "context"

//jobs:handler
func Broken(ctx context.Context, args Missing) error { return nil }
