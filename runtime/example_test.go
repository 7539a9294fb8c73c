package runtime_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

type ResizeArgs struct {
	ImageID string `json:"image_id"`
	Width   int    `json:"width"`
}

type ResizeResult struct {
	URL string `json:"url"`
}

// Example shows the byte-level runtime API that jobgen's typed code wraps:
// register a handler, enqueue with options, run a pool, read the result.
func Example() {
	backend := memory.New()
	registry := runtime.NewRegistry()
	err := registry.Register("resize_image",
		runtime.TypedHandler(func(ctx context.Context, a ResizeArgs) (ResizeResult, error) {
			return ResizeResult{URL: fmt.Sprintf("https://cdn.example.com/%s-%d.jpg", a.ImageID, a.Width)}, nil
		}),
		runtime.WithHandlerTimeout(time.Minute),
		runtime.WithHandlerRetry(jobs.RetryPolicy{Backoff: jobs.BackoffLinear, InitialDelay: 5 * time.Second}),
	)
	if err != nil {
		panic(err)
	}

	client := runtime.NewClient(backend)
	job, err := runtime.EnqueueValue(context.Background(), client, "resize_image",
		ResizeArgs{ImageID: "cat", Width: 640},
		jobs.WithQueue("images"), jobs.WithPriority(jobs.PriorityHigh), jobs.WithMaxRetries(5))
	if err != nil {
		panic(err)
	}

	pool, err := runtime.NewPool(backend, registry, runtime.PoolConfig{
		Queues: map[string]int{"images": 4},
		Logger: quietLogger(),
	})
	if err != nil {
		panic(err)
	}
	if err := pool.Start(context.Background()); err != nil {
		panic(err)
	}
	defer pool.Shutdown(context.Background())

	for {
		j, err := client.Job(context.Background(), job.ID)
		if err != nil {
			panic(err)
		}
		if j.State.Terminal() {
			fmt.Println(j.State, j.Attempt, string(j.Result))
			break
		}
		time.Sleep(time.Millisecond)
	}
	// Output: completed 1 {"url":"https://cdn.example.com/cat-640.jpg"}
}
