// Package plural writes a count with its noun in the right number, for
// messages that people read: "1 attempt", "3 attempts", "0 retries".
package plural

import "strconv"

// Count returns n followed by one when n is 1 or -1, else by many:
// Count(1, "retry", "retries") is "1 retry", Count(2, "job", "jobs") is
// "2 jobs".
func Count(n int, one, many string) string {
	noun := many
	if n == 1 || n == -1 {
		noun = one
	}
	return strconv.Itoa(n) + " " + noun
}
