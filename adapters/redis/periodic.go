package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

var _ jobs.PeriodicStore = (*Backend)(nil)

// tickOffset shifts unix seconds so that every representable year gives a
// non-negative number, for tickKey.
const tickOffset = 100_000_000_000

// tickKey encodes t so that later instants compare greater as strings,
// whatever their time zone.
func tickKey(t time.Time) string {
	return fmt.Sprintf("%020d%09d", t.Unix()+tickOffset, t.Nanosecond())
}

// ClaimTick stores info and returns true unless the tick info.LastRun of
// schedule info.Name, or a later one, was claimed already; then it stores
// nothing and returns false. The compare and set is one script on the
// schedules' own hash tag ({periodic}), so any number of processes may
// claim at once. The schedule name must not be empty.
func (b *Backend) ClaimTick(ctx context.Context, info jobs.ScheduleInfo) (bool, error) {
	if info.Name == "" {
		return false, fmt.Errorf("redis: claim tick: schedule name is empty")
	}
	raw, err := json.Marshal(info)
	if err != nil {
		return false, fmt.Errorf("redis: claim tick of %s: %w", info.Name, err)
	}
	args := tickArgs{schedule: info.Name, tick: tickKey(info.LastRun), info: raw}
	won, err := tickScript.Run(ctx, b.client, []string{b.ticksKey, b.schedulesKey}, args.argv()...).Int()
	if err != nil {
		return false, fmt.Errorf("redis: claim tick of %s: %w", info.Name, err)
	}
	return won == 1, nil
}

// Schedules returns the last claim of every schedule, sorted by name.
func (b *Backend) Schedules(ctx context.Context) ([]jobs.ScheduleInfo, error) {
	all, err := b.client.HGetAll(ctx, b.schedulesKey).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: read schedules: %w", err)
	}
	out := make([]jobs.ScheduleInfo, 0, len(all))
	for name, raw := range all {
		var info jobs.ScheduleInfo
		if err := json.Unmarshal([]byte(raw), &info); err != nil {
			return nil, fmt.Errorf("redis: read schedule %s: %w", name, err)
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, c jobs.ScheduleInfo) int { return strings.Compare(a.Name, c.Name) })
	return out, nil
}
