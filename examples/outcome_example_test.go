package examples_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/examples"
	"github.com/jobsgo/jobs/generated"
	"github.com/jobsgo/jobs/runtime"
)

// Example_unknownOutcome is the README's retry of an enqueue whose outcome
// is unknown: the job gets an ID of the caller's, and every try uses it.
func Example_unknownOutcome() {
	client := generated.NewClient(runtime.NewClient(memory.New()))
	if err := readmeUnknownOutcome(context.Background(), client); err != nil {
		fmt.Println(err)
	}
	// Output: charge-inv-7 pending
}

// readmeUnknownOutcome holds the code README.md quotes between the
// markers, in the scope the README states.
func readmeUnknownOutcome(ctx context.Context, client *generated.Client) error {
	// README: unknown outcome
	invoice := examples.ChargeInvoiceArgs{InvoiceID: "inv-7", Cents: 1200, Currency: "EUR"}
	id := jobs.WithJobID("charge-inv-7")
	job, err := client.EnqueueChargeInvoice(ctx, invoice, id)
	for try := 1; errors.Is(err, jobs.ErrOutcomeUnknown) && try < 5; try++ {
		job, err = client.EnqueueChargeInvoice(ctx, invoice, id)
	}
	if errors.Is(err, jobs.ErrDuplicateJob) {
		job, err = client.Runtime().Job(ctx, "charge-inv-7") // an earlier try stored it
	}
	if err != nil {
		return err
	}
	fmt.Println(job.ID, job.State)
	// README: end
	return nil
}
