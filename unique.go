package jobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// UniqueOptions makes an enqueue unique. See Unique and UniqueByKey.
type UniqueOptions struct {
	// Key identifies duplicates among jobs of one type; "" means the job's
	// canonical JSON args.
	Key string
	// TTL is how long the key stays held from enqueue, whatever becomes of
	// the job; 0 holds it while the job is pending, scheduled, running or
	// retrying, and frees it when the job completes, fails or is cancelled.
	TTL time.Duration
}

// Unique makes the job unique by type and args: while another job of the
// same type with the same args (compared as canonical JSON) holds the key,
// enqueueing creates nothing and fails with *UniqueJobExistsError. ttl 0
// holds the key while the job is active; ttl > 0 holds it that long.
func Unique(ttl time.Duration) EnqueueOption {
	return func(o *EnqueueOptions) { o.Unique = &UniqueOptions{TTL: ttl} }
}

// UniqueByKey is Unique with a caller-given key (scoped to the job type)
// instead of the args.
func UniqueByKey(key string, ttl time.Duration) EnqueueOption {
	return func(o *EnqueueOptions) { o.Unique = &UniqueOptions{Key: key, TTL: ttl} }
}

// uniqueKey derives the stored key: the job type, then either the caller's
// key or a hash of the canonical args.
func uniqueKey(jobType string, args json.RawMessage, u UniqueOptions) (string, error) {
	if u.Key != "" {
		return jobType + ":key:" + u.Key, nil
	}
	canon, err := CanonicalJSON(args)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canon)
	return jobType + ":args:" + hex.EncodeToString(sum[:16]), nil
}

// CanonicalJSON re-encodes JSON with object keys sorted and insignificant
// white space removed, keeping numbers exactly as written, so that equal
// values give equal bytes.
func CanonicalJSON(raw json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: canonical JSON: %v", ErrInvalidJob, err)
	}
	return json.Marshal(v) // maps marshal with sorted keys
}
