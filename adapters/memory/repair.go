package memory

import (
	"context"

	"github.com/jobsgo/jobs"
)

var _ jobs.Repairer = (*Backend)(nil)

// Repair reports the jobs of queue checked and no problem: the backend's
// structures live in this process and change together under one lock, so
// nothing from outside can damage them and there is nothing to repair.
func (b *Backend) Repair(ctx context.Context, queue string, fix bool) (jobs.RepairReport, error) {
	report := jobs.RepairReport{Queue: queue, Fixed: fix, Problems: []jobs.RepairProblem{}}
	if err := jobs.ValidateQueueName(queue); err != nil {
		return report, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.jobs {
		if r.job.Queue == queue {
			report.Checked++
		}
	}
	return report, nil
}
