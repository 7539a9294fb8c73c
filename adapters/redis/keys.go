package redis

import (
	"strconv"
	"time"
)

// queueKeys names the keys of one queue; see lua/lib.lua for what each holds.
type queueKeys struct {
	name string
	base string   // "<prefix>:{<queue>}:", the queue's hash tag
	keys []string // KEYS[1..14] of every queue script, plus the index in standalone mode
}

// The key slots of a queue script: positions in queueKeys.keys (0-based),
// KEYS[i+1] in Lua. keySlots names each slot once: New builds the keys from
// it and queueScript prepends it to every queue script as Lua constants
// (KEYS[K_LEASE], ...), so the layout is written in one place.
const (
	keyP1 = iota // pending, priority 1 (low); keyP1+p-1 is priority p
	keyP2
	keyP3
	keyP4 // pending, priority 4 (critical)
	keyScheduled
	keyRetrying
	keyLease
	keyWake
	keyDead
	keyDone
	keyStats
	keyGone
	keyCancelled
	keyPaused
	keyIndex // the ID index, passed in standalone mode only
)

// keySlot is one key of a queue script: the Lua constant that names its
// position, and the suffix of its name after the queue's base (none for
// the ID index, which is not the queue's).
type keySlot struct{ lua, suffix string }

// keySlots describes every slot, by its position.
var keySlots = [...]keySlot{
	keyP1:        {"K_P1", "p1"},
	keyP2:        {"K_P2", "p2"},
	keyP3:        {"K_P3", "p3"},
	keyP4:        {"K_P4", "p4"},
	keyScheduled: {"K_SCHEDULED", "sched"},
	keyRetrying:  {"K_RETRYING", "retry"},
	keyLease:     {"K_LEASE", "lease"},
	keyWake:      {"K_WAKE", "wake"},
	keyDead:      {"K_DEAD", "dead"},
	keyDone:      {"K_DONE", "done"},
	keyStats:     {"K_STATS", "stats"},
	keyGone:      {"K_GONE", "gone"},
	keyCancelled: {"K_CANCELLED", "cancelled"},
	keyPaused:    {"K_PAUSED", "paused"},
	keyIndex:     {"K_INDEX", ""},
}

// keyConstants gives each slot's Lua name its position in KEYS, for the
// queue scripts (see inlineConstants).
func keyConstants() map[string]int {
	c := make(map[string]int, len(keySlots))
	for i, s := range keySlots {
		c[s.lua] = i + 1
	}
	return c
}

// queue returns the keys of the named queue, cached.
func (b *Backend) queue(name string) *queueKeys {
	if k, ok := b.queueCache.Load(name); ok {
		return k.(*queueKeys)
	}
	base := b.prefix + ":{" + name + "}:"
	k := &queueKeys{name: name, base: base, keys: make([]string, keyIndex, len(keySlots))}
	for i := range keyIndex {
		k.keys[i] = base + keySlots[i].suffix
	}
	if !b.cluster {
		k.keys = append(k.keys, b.indexKey)
	}
	actual, _ := b.queueCache.LoadOrStore(name, k)
	return actual.(*queueKeys)
}

// uniqueKey is the key that holds the unique key u. It carries the ID
// index's name as its hash tag, so that on Redis Cluster it lives in the
// index's slot and claim.lua can claim IDs and unique keys in one script.
func (b *Backend) uniqueKey(u string) string { return b.uniqueKeys().key(u) }

// uniqueKeys names the keys of unique keys (see uniqueKey) for a script's
// arguments; its zero value names none.
type uniqueKeys struct{ prefix, index string }

// uniqueKeys returns the namer of b's unique keys.
func (b *Backend) uniqueKeys() uniqueKeys { return uniqueKeys{b.prefix, b.indexKey} }

// key is the key that holds unique key u.
func (n uniqueKeys) key(u string) string { return n.prefix + ":u:{" + n.index + "}:" + u }

// none reports whether n is the zero value, which names no key.
func (n uniqueKeys) none() bool { return n.index == "" }

// job is the key of a job's hash.
func (k *queueKeys) job(id string) string { return k.base + "j:" + id }

// history is the key of a job type's history list in this queue.
func (k *queueKeys) history(jobType string) string { return k.base + "h:" + jobType }

// micros is t as unix microseconds, the unit of every zset score.
func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }
