// Package tenant has tenant-scoped handlers, with and without a result.
package tenant

import (
	"context"
	"database/sql"
)

// InvoiceArgs are the args of the invoice jobs.
type InvoiceArgs struct {
	InvoiceID string `json:"invoice_id"`
}

// Total is a result.
type Total struct{ Cents int64 }

// CloseInvoice closes an invoice in the tenant's schema.
//
//jobs:handler tenant queue=billing
func CloseInvoice(ctx context.Context, tx *sql.Tx, args InvoiceArgs) error { return nil }

// SumInvoice sums an invoice in the tenant's schema.
//
//jobs:handler tenant
func SumInvoice(ctx context.Context, tx *sql.Tx, args InvoiceArgs) (Total, error) {
	return Total{}, nil
}
