package redis

import (
	"time"

	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// The ARGV layout of every script is written once, here and in args.go
// and args_path.go, as the KEYS layout is in keySlots (keys.go): an argLayout names each position,
// the script's Go builder (a small type with an argv method) fills them
// in that order, and the script names them as constants (ARGV[A_NOW_US]),
// which scripts.go writes in as numbers (inlineConstants). No script
// reads ARGV by a number (TestScriptsNameTheirArgs).

// argLayout names the ARGV positions of a script, or of a family of
// scripts that share them.
type argLayout struct {
	// fixed holds the Lua constant of each fixed argument: fixed[i] names
	// ARGV[i+1].
	fixed []string
	// groups are the repeated groups that follow the fixed arguments, in
	// order; a count among the fixed arguments says how many of each.
	groups []argGroup
}

// argGroup is a group of arguments repeated once per item (a job, an ID,
// a change). Its fields are named by offsets from the group's start (0,
// 1, ...), and prefix+"SIZE" is their count: Lua reads field F of item i
// (from 0) of the first group at ARGV[start + i * P_SIZE + P_F].
type argGroup struct {
	start  string   // the constant of the first group's position; "" for a group whose start the script computes
	prefix string   // the prefix of the field constants, e.g. "J_"
	fields []string // the field names, without prefix
}

// queueHead names the start of every queue script's ARGV (see lua/lib.lua):
// the queue's key base "<prefix>:{<queue>}:", the queue's name, and now in
// unix microseconds (zset scores) and nanoseconds (stored times).
var queueHead = [...]string{"A_BASE", "A_QUEUE", "A_NOW_US", "A_NOW_NS"}

// queueLayout is the layout of a queue script: queueHead, then fixed, then
// groups.
func queueLayout(fixed []string, groups ...argGroup) argLayout {
	return argLayout{fixed: append(queueHead[:len(queueHead):len(queueHead)], fixed...), groups: groups}
}

// size is the length of an ARGV of l with counts[i] items of group i (of a
// group with a variable tail, such as move's changes, its fields only).
func (l argLayout) size(counts ...int) int {
	n := len(l.fixed)
	for i, c := range counts {
		n += c * len(l.groups[i].fields)
	}
	return n
}

// decls returns the constants l declares and their values, in declaration
// order: each fixed argument's position, the first group's position, and
// each group's field offsets and size.
func (l argLayout) decls() (names []string, values []int) {
	for i, name := range l.fixed {
		names, values = append(names, name), append(values, i+1)
	}
	for i, g := range l.groups {
		if i == 0 && g.start != "" {
			names, values = append(names, g.start), append(values, len(l.fixed)+1)
		}
		for j, f := range g.fields {
			names, values = append(names, g.prefix+f), append(values, j)
		}
		names, values = append(names, g.prefix+"SIZE"), append(values, len(g.fields))
	}
	return names, values
}

// values gives each constant l declares its value, for its scripts (see
// inlineConstants).
func (l argLayout) values() map[string]int {
	names, values := l.decls()
	c := make(map[string]int, len(names))
	for i, n := range names {
		c[n] = values[i]
	}
	return c
}

// constants returns the names l declares, in declaration order.
func (l argLayout) constants() []string {
	names, _ := l.decls()
	return names
}

// head is the common start of a queue script's ARGV (queueHead): the
// queue and the time of the call.
type head struct {
	k   *queueKeys
	now time.Time
}

// argv starts an ARGV of capacity size with h's arguments.
func (h head) argv(size int) []any {
	a := make([]any, len(queueHead), size)
	a[0], a[1], a[2], a[3] = h.k.base, h.k.name, micros(h.now), codec.Nanos(h.now)
	return a
}

// flag is a script's boolean argument: "1" for true, else off.
func flag(on bool, off string) string {
	if on {
		return "1"
	}
	return off
}
