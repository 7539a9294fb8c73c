package examples_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
	"github.com/jobsgo/jobs/runtime"
)

// Example_unknownOutcome is the README's retry of an enqueue whose outcome
// is unknown: the job gets an ID of the caller's, and every try uses it.
func Example_unknownOutcome() {
	ctx := context.Background()
	jobs := runtime.NewClient(memory.New())
	client := generated.NewClient(jobs)
	// README: unknown outcome
	invoice := examples.ChargeInvoiceArgs{InvoiceID: "inv-7", Cents: 1200, Currency: "EUR"}
	id := runtime.WithJobID("charge-inv-7")
	job, err := client.EnqueueChargeInvoice(ctx, invoice, id)
	for try := 1; errors.Is(err, runtime.ErrOutcomeUnknown) && try < 5; try++ {
		job, err = client.EnqueueChargeInvoice(ctx, invoice, id)
	}
	if errors.Is(err, runtime.ErrDuplicateJob) {
		job, err = jobs.Job(ctx, "charge-inv-7") // an earlier try stored it
	}
	check(err)
	// README: end
	fmt.Println(job.ID, job.State)
	// Output: charge-inv-7 pending
}
