package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// Unique keys. The key u of a unique job is held by the string key
// b.uniqueKey(u), whose value, the holder string, names the job that holds
// it: "<id> <queue> <until unix ns, or 0>". A holder with a TTL holds the
// key until then, whatever becomes of its job (Redis expires the string
// then too); one without holds it while its job is pending, scheduled,
// running or retrying. The scripts that end a job (move.lua) delete the
// holder string of a job without TTL, deleting a job deletes it whatever
// the TTL, and requeueing a dead letter takes the key back when it is free.
//
// Unique keys are global, like job IDs: a job of the same type and key in
// another queue is a duplicate. Their holder strings live in the ID
// index's hash slot, so on Redis Cluster claim.lua claims them together
// with the IDs, and unique.lua frees and retakes them after move.lua.

// holder is the holder string of j's unique key.
func holder(j jobs.Job) string {
	until := "0"
	if !j.UniqueUntil.IsZero() {
		until = strconv.FormatInt(j.UniqueUntil.UnixNano(), 10)
	}
	return j.ID + " " + j.Queue + " " + until
}

// uniquePX is how long Redis keeps the holder string of j's key, in
// milliseconds: until its TTL passes (at least 1 ms), or "" for a key
// held while the job is active.
func uniquePX(j jobs.Job, now time.Time) string {
	if j.UniqueUntil.IsZero() {
		return ""
	}
	ms := (j.UniqueUntil.Sub(now) + time.Millisecond - 1) / time.Millisecond
	return strconv.FormatInt(max(int64(ms), 1), 10)
}

// uniqueInBatch refuses a batch in which two jobs have the same unique key:
// the later one is refused in favour of the earlier one.
func uniqueInBatch(batch []jobs.Job) error {
	var first map[string]string
	for _, j := range batch {
		if j.UniqueKey == "" {
			continue
		}
		if id, ok := first[j.UniqueKey]; ok {
			return &jobs.UniqueJobExistsError{Key: j.UniqueKey, ExistingJobID: id}
		}
		if first == nil {
			first = make(map[string]string)
		}
		first[j.UniqueKey] = j.ID
	}
	return nil
}

// uniqueOp is what a change does to its job's unique key: "free" it or
// "take" it back.
type uniqueOp struct {
	job jobs.Job
	op  string
}

// uniqueOpOf says what change c does to its job's unique key: a job that
// ends frees a key it holds while active, a deleted job frees it whatever
// its TTL, and a finished job made active again takes it back while its
// TTL (if any) has not passed. "" means nothing.
func uniqueOpOf(c change, now time.Time) string {
	j := c.job
	switch {
	case j.UniqueKey == "":
		return ""
	case c.state == stateDeleted:
		return "free"
	case c.state.Terminal():
		if j.UniqueUntil.IsZero() {
			return "free"
		}
	case c.expect.Terminal() && (j.UniqueUntil.IsZero() || j.UniqueUntil.After(now)):
		return "take"
	}
	return ""
}

// applyUnique runs ops on the unique keys with unique.lua (after move.lua
// on Redis Cluster, or to free keys claimed for an enqueue that failed).
func (b *Backend) applyUnique(ctx context.Context, ops []uniqueOp) error {
	if len(ops) == 0 {
		return nil
	}
	keys := make([]string, len(ops))
	for i, o := range ops {
		keys[i] = b.uniqueKey(o.job.UniqueKey)
	}
	args := uniqueArgs{now: b.clock.Now(), ops: ops}
	if err := uniqueScript.Run(ctx, b.client, keys, args.argv()...).Err(); err != nil {
		return fmt.Errorf("redis: update unique keys: %w", err)
	}
	return nil
}

// uniqueClaims returns the KEYS and ARGV groups of claim.lua for the unique
// keys of jobs; stale maps a holder key to the holder string the caller
// found stale.
func (b *Backend) uniqueClaims(batch []jobs.Job, stale map[string]string, now time.Time) (keys []string, args []claimHolder, owners []jobs.Job) {
	for _, j := range batch {
		if j.UniqueKey == "" {
			continue
		}
		uk := b.uniqueKey(j.UniqueKey)
		keys = append(keys, uk)
		args = append(args, claimHolder{holder: holder(j), px: uniquePX(j, now), stale: stale[uk]})
		owners = append(owners, j)
	}
	return keys, args, owners
}

// holderActive reports whether the job that a holder string names still
// holds a key claimed without TTL: it is active, or it does not exist yet
// but its ID was claimed less than staleClaimMillis ago (indexAge, in ms,
// "-1" for no claim), so its enqueue may be in flight.
func (b *Backend) holderActive(ctx context.Context, hold, indexAge string) (bool, error) {
	f := strings.Fields(hold)
	if len(f) != 3 || jobs.ValidateQueueName(f[1]) != nil {
		return false, nil
	}
	s, err := b.client.HGet(ctx, b.queue(f[1]).job(f[0]), "s").Result()
	if isNil(err) {
		age, perr := strconv.ParseInt(indexAge, 10, 64)
		return perr == nil && age >= 0 && age < staleClaimMillis, nil
	}
	if err != nil && !isWrongType(err) {
		return false, fmt.Errorf("redis: check unique key holder %s: %w", f[0], err)
	}
	st := jobs.State(s)
	return st.Valid() && !st.Terminal(), nil
}

// uniqueOf reads the unique key and TTL of a job from its static JSON
// (field d), for changes made without decoding the whole job.
func uniqueOf(d string) (key string, until time.Time) {
	var st codec.Static
	if json.Unmarshal([]byte(d), &st) != nil || st.UniqueKey == "" {
		return "", time.Time{}
	}
	if st.UniqueTill != 0 {
		until = time.Unix(0, st.UniqueTill).UTC()
	}
	return st.UniqueKey, until
}
