package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/jobsgo/jobs"
)

// printStats prints the backend's final figures and dead-letter queue.
func printStats(ctx context.Context, out io.Writer, b jobs.Backend) error {
	st, err := b.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n== final stats: processed %d, succeeded %d, failed %d, dead letters %d, avg %s\n",
		st.Processed, st.Succeeded, st.Failed, st.DeadLetters, st.AvgDuration)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "queue\tpending\tscheduled\tretrying\trunning\tdead\tprocessed\tsucceeded\tfailed\tavg\t")
	for _, q := range st.Queues {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", q.Name, q.Pending, q.Scheduled, q.Retrying,
			q.Running, q.DeadLetters, q.Processed, q.Succeeded, q.Failed, q.AvgDuration)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	dead, err := b.DeadLetters(ctx, jobs.DeadLetterQuery{Limit: 10})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n== dead-letter queue (%d)\n", len(dead))
	for _, j := range dead {
		fmt.Fprintf(out, "%s  %-16s attempts %d  %s: %s\n", j.ID, j.Type, j.Attempt, j.Error.Type, j.Error.Message)
	}
	return nil
}
