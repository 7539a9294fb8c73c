package memory

import (
	"context"

	"github.com/jobsgo/jobs"
)

// cancelBuffer is how many cancelled job IDs a CancelledJobs channel holds
// for a slow reader before further IDs are dropped for it.
const cancelBuffer = 256

var _ jobs.CancelNotifier = (*Backend)(nil)

// CancelledJobs returns a channel that receives the ID of every running job
// cancelled (through Cancel) after the call, until ctx is done; then the
// channel is closed. Sending never blocks Cancel: a reader that lets
// cancelBuffer IDs pile up misses the next ones. It fails only when ctx is
// done already.
func (b *Backend) CancelledJobs(ctx context.Context) (<-chan string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch := make(chan string, cancelBuffer)
	b.mu.Lock()
	b.cancelSubs[ch] = struct{}{}
	b.mu.Unlock()
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.cancelSubs, ch)
		close(ch)
	})
	return ch, nil
}

// notifyCancelled sends id to every subscriber that has room for it. The
// caller holds b.mu, which also orders the sends before a channel's close.
func (b *Backend) notifyCancelled(id string) {
	for ch := range b.cancelSubs {
		select {
		case ch <- id:
		default:
		}
	}
}
