package jobs

// DefaultMaxPayloadSize is the largest args a Client enqueues unless
