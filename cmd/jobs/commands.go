package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/admin"
)

func runStats(ctx context.Context, c *cli, args []string) error {
	s, err := c.stats(ctx, "stats", args)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(s)
	}
	return writeStats(c.stdout, s)
}

func runQueues(ctx context.Context, c *cli, args []string) error {
	s, err := c.stats(ctx, "queues", args)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(s.Queues)
	}
	return writeQueues(c.stdout, s.Queues)
}

// stats runs command name, which takes no argument, up to reading the
// backend's statistics.
func (c *cli) stats(ctx context.Context, name string, args []string) (admin.Stats, error) {
	if _, err := c.parse(c.flagSet(name), args, 0, 0); err != nil {
		return admin.Stats{}, err
	}
	b, err := c.connected(ctx)
	if err != nil {
		return admin.Stats{}, err
	}
	s, err := b.Stats(ctx)
	if err != nil {
		return admin.Stats{}, err
	}
	return admin.StatsOf(s), nil
}

// filterFlags adds --queue and --type to fs.
func filterFlags(fs *flag.FlagSet, q *jobs.DeadLetterQuery) {
	fs.StringVar(&q.Queue, "queue", "", "only jobs of this queue")
	fs.StringVar(&q.Type, "type", "", "only jobs of this type")
}

// checkFilter validates the filters of q.
func checkFilter(q jobs.DeadLetterQuery) error {
	if q.Queue != "" {
		if err := jobs.ValidateQueueName(q.Queue); err != nil {
			return usagef("--queue: %v", err)
		}
	}
	if q.Type != "" {
		if err := jobs.ValidateJobType(q.Type); err != nil {
			return usagef("--type: %v", err)
		}
	}
	return nil
}

func runFailed(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("failed")
	var q jobs.DeadLetterQuery
	fs.IntVar(&q.Limit, "limit", admin.DefaultLimit, fmt.Sprintf("at most this many jobs, newest first (1-%d)", admin.MaxLimit))
	filterFlags(fs, &q)
	if _, err := c.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if q.Limit < 1 || q.Limit > admin.MaxLimit {
		return usagef("--limit must be from 1 to %d, not %d", admin.MaxLimit, q.Limit)
	}
	if err := checkFilter(q); err != nil {
		return err
	}
	b, err := c.connected(ctx)
	if err != nil {
		return err
	}
	batch, err := b.DeadLetters(ctx, q)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(admin.JobList{Jobs: admin.JobsOf(batch)})
	}
	return writeFailed(c.stdout, admin.JobsOf(batch))
}

// jobArg parses a command that takes one job ID.
func (c *cli) jobArg(name string, args []string) (string, error) {
	rest, err := c.parse(c.flagSet(name), args, 1, 1)
	if err != nil {
		return "", err
	}
	if err := jobs.ValidateJobID(rest[0]); err != nil {
		return "", usagef("%v", err)
	}
	return rest[0], nil
}

func runJob(ctx context.Context, c *cli, args []string) error {
	j, err := c.onJob(ctx, "job", args, jobs.Backend.Job)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(admin.JobOf(j, true))
	}
	return writeJob(c.stdout, admin.JobOf(j, true))
}

// onJob runs command name on the job its one argument names: act reads or
// changes that job and returns it.
func (c *cli) onJob(ctx context.Context, name string, args []string, act func(jobs.Backend, context.Context, string) (jobs.Job, error)) (jobs.Job, error) {
	id, err := c.jobArg(name, args)
	if err != nil {
		return jobs.Job{}, err
	}
	b, err := c.connected(ctx)
	if err != nil {
		return jobs.Job{}, err
	}
	return act(b, ctx, id)
}

func runRetry(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("retry")
	all := fs.Bool("all-failed", false, "requeue every dead-letter job matching --queue and --type")
	var q jobs.DeadLetterQuery
	filterFlags(fs, &q)
	rest, err := c.parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	if *all != (len(rest) == 0) {
		return usagef("give either a job ID or --all-failed")
	}
	if !*all && (q.Queue != "" || q.Type != "") {
		return usagef("--queue and --type go with --all-failed")
	}
	if err := checkFilter(q); err != nil {
		return err
	}
	if !*all {
		if err := jobs.ValidateJobID(rest[0]); err != nil {
			return usagef("%v", err)
		}
	}
	b, err := c.connected(ctx)
	if err != nil {
		return err
	}
	if *all {
		n, err := b.RetryDeadLetters(ctx, q)
		if err != nil {
			return err
		}
		if c.json {
			return c.printJSON(admin.CountMessage{Message: "Dead-letter jobs queued for retry", Count: n})
		}
		_, err = fmt.Fprintf(c.stdout, "Queued %d dead-letter jobs for retry.\n", n)
		return err
	}
	j, err := b.RetryDeadLetter(ctx, rest[0])
	if err != nil {
		return err
	}
	return c.jobMessage("Job queued for retry", j)
}

func runCancel(ctx context.Context, c *cli, args []string) error {
	j, err := c.onJob(ctx, "cancel", args, jobs.Backend.Cancel)
	if err != nil {
		return err
	}
	return c.jobMessage("Job cancelled", j)
}

// runDelete deletes a dead-letter job, as the admin API's DELETE does: a
// job in another state is refused.
func runDelete(ctx context.Context, c *cli, args []string) error {
	j, err := c.onJob(ctx, "delete", args, jobs.Backend.Job)
	if err != nil {
		return err
	}
	if j.State != jobs.StateFailed {
		return fmt.Errorf("job %s is %s: only failed (dead-letter) jobs can be deleted", j.ID, j.State)
	}
	if err := c.backend.Delete(ctx, j.ID); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(admin.Message{Message: "Job deleted", ID: j.ID})
	}
	_, err = fmt.Fprintf(c.stdout, "Job deleted: %s.\n", j.ID)
	return err
}

// jobMessage reports an action on one job.
func (c *cli) jobMessage(msg string, j jobs.Job) error {
	if c.json {
		dto := admin.JobOf(j, false)
		return c.printJSON(admin.Message{Message: msg, Job: &dto})
	}
	_, err := fmt.Fprintf(c.stdout, "%s: %s (%s, queue %s, now %s).\n", msg, j.ID, j.Type, j.Queue, j.State)
	return err
}

func runPause(ctx context.Context, c *cli, args []string) error {
	return c.setPaused(ctx, "pause", args, true)
}

func runResume(ctx context.Context, c *cli, args []string) error {
	return c.setPaused(ctx, "resume", args, false)
}

func (c *cli) setPaused(ctx context.Context, name string, args []string, pause bool) error {
	rest, err := c.parse(c.flagSet(name), args, 1, 1)
	if err != nil {
		return err
	}
	queue := rest[0]
	if err := jobs.ValidateQueueName(queue); err != nil {
		return usagef("%v", err)
	}
	b, err := c.connected(ctx)
	if err != nil {
		return err
	}
	msg := "Queue resumed"
	if pause {
		msg = "Queue paused"
		err = b.PauseQueue(ctx, queue)
	} else {
		err = b.ResumeQueue(ctx, queue)
	}
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(admin.Message{Message: msg, Queue: queue})
	}
	_, err = fmt.Fprintf(c.stdout, "%s: %s.\n", msg, queue)
	return err
}

// runRepair checks the storage of a queue and, with --fix, puts it right
// (jobs.Repairer).
func runRepair(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("repair")
	fix := fs.Bool("fix", false, "put right what the check finds (default: only report it)")
	rest, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if err := jobs.ValidateQueueName(rest[0]); err != nil {
		return usagef("%v", err)
	}
	b, err := c.connected(ctx)
	if err != nil {
		return err
	}
	rep, ok := b.(jobs.Repairer)
	if !ok {
		return fmt.Errorf("this backend cannot repair queues")
	}
	report, err := rep.Repair(ctx, rest[0], *fix)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(report)
	}
	return writeRepair(c.stdout, report)
}
