package redis

import (
	"context"
	"crypto/sha1"
	"encoding/hex"

	goredis "github.com/redis/go-redis/v9"
)

// script is a Lua script run with EVALSHA, falling back to EVAL (which
// loads it) when the server lacks it, like goredis.Script, except that
// its commands are marked never to be sent twice. MaxRetries: -1 stops a
// *goredis.Client from re-sending a command whose reply was lost, but
// not a *goredis.ClusterClient: its redirect loop sends a command again
// after a read timeout or a dropped connection, so a script that had run
// would run twice (the caller told it failed). Redirections (MOVED, ASK)
// are still followed: the server refused those commands unrun.
type script struct {
	src  string
	hash string // SHA-1 of src, in hex, the name EVALSHA takes
}

// newScript returns the script of Lua source src.
func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	return &script{src: src, hash: hex.EncodeToString(sum[:])}
}

// processor runs or queues a command: a client or a pipeline.
type processor interface {
	Process(ctx context.Context, cmd goredis.Cmder) error
}

// onceCmd is a command go-redis never sends again after an error (its
// NoRetry is true).
type onceCmd struct{ *goredis.Cmd }

// NoRetry tells go-redis not to send the command again.
func (onceCmd) NoRetry() bool { return true }

// Run runs the script with EVALSHA, and with EVAL when the server does not
// have it yet.
func (s *script) Run(ctx context.Context, c processor, keys []string, args ...any) *goredis.Cmd {
	cmd := s.EvalSha(ctx, c, keys, args...)
	if err := cmd.Err(); err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		return s.process(ctx, c, "eval", s.src, keys, args)
	}
	return cmd
}

// EvalSha runs the script with EVALSHA, or queues it on a pipeline.
func (s *script) EvalSha(ctx context.Context, c processor, keys []string, args ...any) *goredis.Cmd {
	return s.process(ctx, c, "evalsha", s.hash, keys, args)
}

// process sends name (eval or evalsha) with body (source or hash), keys
// and args as a command that is never sent twice.
func (s *script) process(ctx context.Context, c processor, name, body string, keys []string, args []any) *goredis.Cmd {
	all := make([]any, 0, 3+len(keys)+len(args))
	all = append(all, name, body, len(keys))
	for _, k := range keys {
		all = append(all, k)
	}
	all = append(all, args...)
	cmd := goredis.NewCmd(ctx, all...)
	_ = c.Process(ctx, onceCmd{cmd})
	return cmd
}
