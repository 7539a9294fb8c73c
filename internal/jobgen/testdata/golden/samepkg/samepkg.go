// Package samepkg generates into its own directory, so the generated code
// names its types unqualified.
package samepkg

import "context"

// Page is a generic args type.
type Page[T any] struct {
	Items []T `json:"items"`
}

// Item is an element of a page.
type Item struct{ ID string }

// IndexPage indexes a page of items.
//
//jobs:handler queue=index
func IndexPage(ctx context.Context, args Page[Item]) (Page[string], error) {
	return Page[string]{}, nil
}
