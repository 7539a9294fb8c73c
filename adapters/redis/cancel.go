package redis

import (
	"context"
	"fmt"

	"github.com/jobsgo/jobs"
)

// cancelBuffer is how many cancelled job IDs a CancelledJobs channel holds
// for a slow reader before further IDs are dropped for it.
const cancelBuffer = 256

var _ jobs.CancelNotifier = (*Backend)(nil)

// Cancel cancels a job that has not finished and returns it. A pending,
// scheduled or retrying job never runs. A running job is stored cancelled
// at once and loses its lease, in one script that also publishes its ID
// on the cancel channel (see CancelledJobs): its worker's Ack fails with
// jobs.ErrLeaseLost, ExtendLeases reports it lost and RecoverExpired
// no longer sees it. A job held without TTL frees its unique key. Finished
// jobs fail with jobs.ErrInvalidTransition.
func (b *Backend) Cancel(ctx context.Context, id string) (jobs.Job, error) {
	return b.transition(ctx, id, func(j jobs.Job) (change, error) {
		next, err := j.Cancel(b.clock.Now())
		return change{job: next, state: next.State, notify: j.State == jobs.StateRunning}, err
	})
}

// CancelledJobs subscribes to the cancel channel (Redis Pub/Sub, so every
// process hears of every cancel) and delivers the ID of each running job
// cancelled after the call on the returned channel until ctx is done; then
// the channel is closed. It returns once the subscription is active. The
// client re-subscribes by itself after a lost connection (IDs published
// meanwhile are missed; lease renewal catches those), and a reader that
// lets cancelBuffer IDs pile up misses the next ones.
func (b *Backend) CancelledJobs(ctx context.Context) (<-chan string, error) {
	sub := b.client.Subscribe(ctx, b.cancelChannel)
	if _, err := sub.Receive(ctx); err != nil {
		_ = sub.Close()
		return nil, fmt.Errorf("redis: subscribe to %s: %w", b.cancelChannel, err)
	}
	msgs := sub.Channel()
	out := make(chan string, cancelBuffer)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-msgs:
				if !ok {
					return
				}
				select {
				case out <- m.Payload:
				default:
				}
			}
		}
	}()
	return out, nil
}
