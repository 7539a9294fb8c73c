package redis

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"
)

// The per-minute counters' rings (see lua/lib.lua): <base>tp holds
// countSlots slots of countSize bytes, <base>wt waitSlots slots of
// waitSize bytes.
const (
	countSlots = 1500
	countSize  = 12
	waitSlots  = 64
	waitSize   = 4 + 4*jobs.WaitBuckets
)

var _ jobs.ThroughputReader = (*Backend)(nil)

// span is a run of ring slots read with one GETRANGE: slots first to
// first+n-1 (unix minutes m, at slot m % ring size).
type span struct {
	first, n int64
	cmd      *goredis.StringCmd
}

// ringSpans splits the unix minutes first..last into runs of consecutive
// slots of a ring of slots slots: one run, or two where the ring wraps.
func ringSpans(first, last, slots int64) []span {
	if last-first+1 > slots {
		first = last - slots + 1
	}
	out := []span{}
	for m := first; m <= last; {
		n := min(last-m+1, slots-m%slots)
		out = append(out, span{first: m, n: n})
		m += n
	}
	return out
}

// u32 reads the big-endian uint32 at off of b, 0 past its end (a slot
// never written).
func u32(b []byte, off int64) int64 {
	if off+4 > int64(len(b)) {
		return 0
	}
	return int64(binary.BigEndian.Uint32(b[off:]))
}

// Throughput returns every queue's per-minute counters (see
// jobs.ThroughputReader): it lists the queues, then reads the slots
// asked for of every queue in one pipeline of at most four GETRANGE per
// queue, whatever the number of jobs.
func (b *Backend) Throughput(ctx context.Context, query jobs.ThroughputQuery) (jobs.Throughput, error) {
	if err := b.clockReady(ctx); err != nil {
		return jobs.Throughput{}, fmt.Errorf("redis: read throughput: %w", err)
	}
	names, err := b.queues(ctx)
	if err != nil {
		return jobs.Throughput{}, err
	}
	now := b.clock.Now()
	since, window := query.Window(now)
	first, last := since.Unix()/60, now.Unix()/60
	firstWait := now.Add(-window).Unix() / 60
	counts := make([][]span, len(names))
	waits := make([][]span, len(names))
	sent, err := b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, name := range names {
			k := b.queue(name)
			counts[i] = ringSpans(first, last, countSlots)
			for j := range counts[i] {
				s := &counts[i][j]
				at := s.first % countSlots * countSize
				s.cmd = p.GetRange(ctx, k.base+"tp", at, at+s.n*countSize-1)
			}
			waits[i] = ringSpans(firstWait, last, waitSlots)
			for j := range waits[i] {
				s := &waits[i][j]
				at := s.first % waitSlots * waitSize
				s.cmd = p.GetRange(ctx, k.base+"wt", at, at+s.n*waitSize-1)
			}
		}
		return nil
	})
	if err != nil {
		return jobs.Throughput{}, fmt.Errorf("redis: read throughput: %w", keyed(sent, err))
	}
	out := jobs.Throughput{Now: now, Queues: make([]jobs.QueueThroughput, len(names))}
	for i, name := range names {
		qt := jobs.QueueThroughput{Queue: name, Minutes: make([]jobs.MinuteCount, 0, last-first+1)}
		for m := first; m <= last; m++ {
			qt.Minutes = append(qt.Minutes, jobs.MinuteCount{Minute: time.Unix(m*60, 0).UTC()})
		}
		for _, s := range counts[i] {
			raw := []byte(s.cmd.Val())
			for j := range s.n {
				off := j * countSize
				if m := s.first + j; u32(raw, off) == m && m >= first {
					c := &qt.Minutes[m-first]
					c.Processed, c.Failed = u32(raw, off+4), u32(raw, off+8)
				}
			}
		}
		for _, s := range waits[i] {
			raw := []byte(s.cmd.Val())
			for j := range s.n {
				off := j * waitSize
				if u32(raw, off) != s.first+j {
					continue
				}
				for k := range jobs.WaitBuckets {
					qt.Wait[k] += u32(raw, off+4+4*int64(k))
				}
			}
		}
		out.Queues[i] = qt
	}
	return out, nil
}
