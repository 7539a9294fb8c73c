package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jobsgo/jobs"
)

var _ jobs.PeriodicStore = (*Backend)(nil)

// ClaimTick stores info and returns true unless the tick info.LastRun of
// schedule info.Name, or a later one, was claimed already; then it stores
// nothing and returns false. The schedule name must not be empty.
func (b *Backend) ClaimTick(ctx context.Context, info jobs.ScheduleInfo) (bool, error) {
	if info.Name == "" {
		return false, fmt.Errorf("memory: claim tick: schedule name is empty")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if prev, ok := b.schedules[info.Name]; ok && !info.LastRun.After(prev.LastRun) {
		return false, nil
	}
	b.schedules[info.Name] = info
	return true, nil
}

// Schedules returns the last claim of every schedule, sorted by name.
func (b *Backend) Schedules(ctx context.Context) ([]jobs.ScheduleInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]jobs.ScheduleInfo, 0, len(b.schedules))
	for _, info := range b.schedules {
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, c jobs.ScheduleInfo) int { return strings.Compare(a.Name, c.Name) })
	return out, nil
}
