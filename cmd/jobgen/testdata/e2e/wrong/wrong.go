// Package wrong must not compile: it passes the wrong args type, calls the
// non-tenant Enqueue of a tenant job and takes a typed result as another
// type.
package wrong

import (
	"context"

	"example.com/e2e/app"
	"example.com/e2e/jobs"
)

// Wrong misuses the typed client.
func Wrong(ctx context.Context, c *jobs.Client) {
	c.EnqueueGreet(ctx, app.CountArgs{N: 1})
	c.EnqueueAudit(ctx, app.AuditArgs{})
	var text string
	text, _ = c.WaitGreet(ctx, "id")
	_ = text
}
