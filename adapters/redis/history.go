package redis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"

	goredis "github.com/redis/go-redis/v9"
)

// historyInlineMax is the largest args, and the largest result, in bytes
// that a history snapshot holds. Larger ones stay in the job hash alone
// (History reads them from there while the job is kept), so that history
// never holds a second copy of a large payload.
const historyInlineMax = 1024

// historyEntry is a history snapshot as stored: the job's JSON, and the
// names of the fields left out of it ("args", "result").
type historyEntry struct {
	jobs.Job
	Omitted []string `json:"omitted,omitempty"`
}

// historySnapshot returns the history snapshot of j: its JSON, without
// args or result over historyInlineMax, which "omitted" then names, and
// without an attempt log that its other fields imply (codec.LogImplied).
func historySnapshot(j jobs.Job) ([]byte, error) {
	if codec.LogImplied(j) {
		j.AttemptLog = nil // decodeHistory puts it back
	}
	var omitted string
	if len(j.Args) > historyInlineMax {
		j.Args, omitted = nil, `"args"`
	}
	if len(j.Result) > historyInlineMax {
		j.Result = nil
		if omitted != "" {
			omitted += ","
		}
		omitted += `"result"`
	}
	s, err := codec.MarshalJob(j)
	if err != nil || omitted == "" {
		return s, err
	}
	return append(s[:len(s)-1], `,"omitted":[`+omitted+`]}`...), nil
}

// restorePayloads fills in the args and results left out of history
// entries from their jobs' hashes, for the jobs still kept (the same job:
// same type and creation time, not a later one under a reused ID). The
// others keep nil args and result.
func (b *Backend) restorePayloads(ctx context.Context, entries []historyEntry) error {
	cmds := make([]*goredis.SliceCmd, len(entries))
	var reads int
	for _, e := range entries {
		if len(e.Omitted) > 0 {
			reads++
		}
	}
	if reads == 0 {
		return nil
	}
	_, err := b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, e := range entries {
			if len(e.Omitted) > 0 && jobs.ValidateQueueName(e.Queue) == nil {
				cmds[i] = p.HMGet(ctx, b.queue(e.Queue).job(e.ID), codec.JobFields...)
			}
		}
		return nil
	})
	if err != nil && !isServerError(err) {
		return fmt.Errorf("redis: read the payloads of history entries: %w", err)
	}
	for i := range entries {
		e := &entries[i]
		if len(e.Omitted) == 0 {
			continue
		}
		var live jobs.Job // the job as kept, if it still is
		if cmds[i] != nil && cmds[i].Err() == nil {
			if r := codec.NewRecord(cmds[i].Val()); r.Exists() {
				if j, err := codec.Decode(e.ID, e.Queue, r); err == nil && j.Type == e.Type && j.CreatedAt.Equal(e.CreatedAt) {
					live = j
				}
			}
		}
		for _, f := range e.Omitted {
			switch f {
			case "args":
				e.Args = live.Args
			case "result":
				e.Result = live.Result
			}
		}
	}
	return nil
}

// decodeHistory decodes history snapshots, skipping unreadable ones; a
// completed job's attempt log left out of its snapshot is put back.
func decodeHistory(snapshots []string) []historyEntry {
	out := make([]historyEntry, 0, len(snapshots))
	for _, s := range snapshots {
		var e historyEntry
		if json.Unmarshal([]byte(s), &e) == nil {
			e.Job = codec.WithImpliedLog(e.Job)
			out = append(out, e)
		}
	}
	return out
}
