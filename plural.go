package jobs

import "strconv"

// countOf writes n followed by its noun in the right number, for messages
// people read: countOf(1, "retry", "retries") is "1 retry". The kernel
// keeps its own copy of internal/plural's rule so that it imports only the
// standard library.
func countOf(n int, one, many string) string {
	noun := many
	if n == 1 || n == -1 {
		noun = one
	}
	return strconv.Itoa(n) + " " + noun
}
