package testenv

import (
	"context"
	"maps"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// Commands is a go-redis hook (Client.AddHook) that counts the commands a
// client sends, those in pipelines included, by the name Key gives each
// (the command's name when Key is nil; a command Key names "" is not
// counted). Its zero value is ready to use.
type Commands struct {
	Key func(goredis.Cmder) string

	mu sync.Mutex
	n  map[string]int
}

// Reset forgets the commands counted so far.
func (c *Commands) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = nil
}

// Counted returns the commands counted since the last Reset, by name.
func (c *Commands) Counted() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}

// Count is how many commands counted since the last Reset are named name.
func (c *Commands) Count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

func (c *Commands) note(cmds ...goredis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cmd := range cmds {
		name := cmd.Name()
		if c.Key != nil {
			name = c.Key(cmd)
		}
		if name == "" {
			continue
		}
		if c.n == nil {
			c.n = make(map[string]int)
		}
		c.n[name]++
	}
}

// DialHook dials as the client would.
func (c *Commands) DialHook(next goredis.DialHook) goredis.DialHook { return next }

// ProcessHook counts the command, then sends it.
func (c *Commands) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.note(cmd)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts the pipeline's commands, then sends them.
func (c *Commands) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.note(cmds...)
		return next(ctx, cmds)
	}
}
