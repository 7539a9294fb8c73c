package redis

import (
	"strconv"
	"time"

	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// queueKeys names the keys of one queue; see lua/lib.lua for what each holds.
type queueKeys struct {
	name string
	base string   // "<prefix>:{<queue>}:", the queue's hash tag
	keys []string // KEYS[1..14] of every queue script, plus the index in standalone mode
}

// Positions in queueKeys.keys (0-based), matching KEYS[i+1] in the scripts.
const (
	keyScheduled = 4
	keyRetrying  = 5
	keyLease     = 6
	keyWake      = 7
	keyDead      = 8
	keyDone      = 9
	keyStats     = 10
	keyGone      = 11
	keyCancelled = 12
	keyPaused    = 13
)

// queue returns the keys of the named queue, cached.
func (b *Backend) queue(name string) *queueKeys {
	if k, ok := b.queueCache.Load(name); ok {
		return k.(*queueKeys)
	}
	base := b.prefix + ":{" + name + "}:"
	k := &queueKeys{name: name, base: base, keys: []string{
		base + "p1", base + "p2", base + "p3", base + "p4",
		base + "sched", base + "retry", base + "lease", base + "wake",
		base + "dead", base + "done", base + "stats", base + "gone",
		base + "cancelled", base + "paused",
	}}
	if !b.cluster {
		k.keys = append(k.keys, b.indexKey)
	}
	actual, _ := b.queueCache.LoadOrStore(name, k)
	return actual.(*queueKeys)
}

// uniqueKey is the key that holds the unique key u. It carries the ID
// index's name as its hash tag, so that on Redis Cluster it lives in the
// index's slot and claim.lua can claim IDs and unique keys in one script.
func (b *Backend) uniqueKey(u string) string { return b.prefix + ":u:{" + b.indexKey + "}:" + u }

// job is the key of a job's hash.
func (k *queueKeys) job(id string) string { return k.base + "j:" + id }

// history is the key of a job type's history list in this queue.
func (k *queueKeys) history(jobType string) string { return k.base + "h:" + jobType }

// args starts the ARGV of a queue script: base, queue, now in microseconds
// and in nanoseconds.
func (k *queueKeys) args(now time.Time, extra int) []any {
	a := make([]any, 4, 4+extra)
	a[0], a[1], a[2], a[3] = k.base, k.name, micros(now), codec.Nanos(now)
	return a
}

// micros is t as unix microseconds, the unit of every zset score.
func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }
