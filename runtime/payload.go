package runtime

import (
	"fmt"

	"github.com/jobsgo/jobs"
)

// WithMaxPayloadSize says otherwise: 1 MiB. Larger payloads belong in
// object storage, with their address in the args.
const DefaultMaxPayloadSize = 1 << 20

// NoPayloadLimit, given to WithMaxPayloadSize or PoolConfig.MaxPayloadSize,
// lets a client enqueue args of any size.
const NoPayloadLimit = -1

// WithMaxPayloadSize limits the args of the jobs the client enqueues to n
// bytes: larger ones fail with ErrPayloadTooLarge before any call to the
// backend. n = 0 keeps DefaultMaxPayloadSize; a negative n
// (NoPayloadLimit) removes the limit.
func WithMaxPayloadSize(n int) ClientOption {
	return func(c *Client) { c.maxPayload = payloadLimit(n) }
}

// payloadLimit resolves a configured limit: 0 is the default, a negative
// value no limit (returned as -1).
func payloadLimit(n int) int {
	switch {
	case n == 0:
		return DefaultMaxPayloadSize
	case n < 0:
		return NoPayloadLimit
	}
	return n
}

// checkPayload refuses args over the client's limit.
func (c *Client) checkPayload(jobType string, args []byte) error {
	if c.maxPayload >= 0 && len(args) > c.maxPayload {
		return fmt.Errorf("%w: %s job args are %d bytes, over the limit of %d (runtime.WithMaxPayloadSize)",
			jobs.ErrPayloadTooLarge, jobType, len(args), c.maxPayload)
	}
	return nil
}
