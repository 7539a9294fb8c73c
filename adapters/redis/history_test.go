package redis

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
)

// TestHistoryDoesNotDuplicatePayload completes jobs with 100 KB args on a
// server of its own and measures Redis's memory: the history must not hold
// a second copy of the args (nor of a large result). History still returns
// every job with its args and result, read from the job while it is kept;
// once a job is deleted its entry stays, with nil args. Small args stay in
// the snapshot itself.
func TestHistoryDoesNotDuplicatePayload(t *testing.T) {
	b, err := New(WithURL(testenv.StartRedis(t, "--save", "", "--appendonly", "no")), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	must(t, err)
	defer b.Close()
	ctx := t.Context()
	const n, size = 50, 100 << 10
	client := runtime.NewClient(b)
	reqs := []runtime.EnqueueRequest{{Type: "small", Args: json.RawMessage(`{"to":"a@b.c"}`)}}
	args := map[string]string{} // job ID -> args
	for i := range n {
		a := fmt.Sprintf(`"%03d%s"`, i, strings.Repeat("x", size-5))
		reqs = append(reqs, runtime.EnqueueRequest{Type: "big", Args: json.RawMessage(a)})
	}
	batch, err := client.EnqueueBatch(ctx, reqs)
	must(t, err)
	for _, j := range batch {
		args[j.ID] = string(j.Args)
	}
	bigResult := json.RawMessage(`"` + strings.Repeat("r", 10<<10) + `"`)
	before := usedMemory(t, b.client)
	for done := 0; done < len(batch); {
		for _, j := range dequeue(t, b, jobs.DefaultQueue, len(batch)) {
			result := json.RawMessage(`{"ok":true}`)
			if j.ID == batch[1].ID {
				result = bigResult
			}
			c, err := j.Complete(result, b.clock.Now())
			must(t, err)
			must(t, b.Ack(ctx, c))
			done++
		}
	}
	growth := usedMemory(t, b.client) - before
	t.Logf("used_memory grew by %d bytes completing %d jobs of %d bytes of args (%d bytes before any)", growth, n, size, before)
	if growth > n*size/4 { // a copy of each job's args is n*size
		t.Fatalf("completing %d jobs with %d KB args grew Redis by %d bytes: the history holds copies of the args", n, size>>10, growth)
	}

	check := func(deleted string) {
		t.Helper()
		h, err := b.History(ctx, "big", 0)
		must(t, err)
		if len(h) != n {
			t.Fatalf("History(big) holds %d jobs, want %d", len(h), n)
		}
		for _, j := range h {
			switch {
			case j.ID == deleted && (j.Args != nil || j.State != jobs.StateCompleted):
				t.Fatalf("deleted job %s: history entry %s with %d bytes of args; want it completed with nil args", j.ID, j.State, len(j.Args))
			case j.ID != deleted && string(j.Args) != args[j.ID]:
				t.Fatalf("job %s: History args of %d bytes differ from the %d enqueued", j.ID, len(j.Args), len(args[j.ID]))
			case j.ID == batch[1].ID && string(j.Result) != string(bigResult):
				t.Fatalf("job %s: History result of %d bytes, want the %d returned", j.ID, len(j.Result), len(bigResult))
			}
		}
	}
	check("")
	must(t, b.Delete(ctx, batch[2].ID))
	check(batch[2].ID)

	must(t, b.Delete(ctx, batch[0].ID))
	h, err := b.History(ctx, "small", 0)
	if err != nil || len(h) != 1 || string(h[0].Args) != args[batch[0].ID] {
		t.Fatalf("History(small) = %+v, %v; want the deleted job with its small args", h, err)
	}
}
