package directive

import (
	"fmt"
	"strings"
)

// directiveName is the directive's name, Prefix without its slashes.
const directiveName = "jobs:handler"

// NearMiss reports a comment line (slashes included, as go/ast gives it)
// that starts like a //jobs:handler directive but is none, so that jobgen
// would skip its function without a word: a misspelled name (//job:handler,
// //jobs:handlers, //Jobs:Handler, //jobs:handle, //jobshandler,
// //jobs: handler) or the right name after a space (// jobs:handler). It
// returns the message to print, or "" for a directive or an ordinary
// comment. Only the start of a line counts: prose that mentions
// jobs:handler later in a sentence is not flagged, nor is an example of a
// directive quoted in a comment (// //jobs:handler ...). After a space, the
// rest of the line must be empty or start with an option (key=value or a
// known key), as ordinary prose rarely does.
func NearMiss(line string) string {
	body, ok := strings.CutPrefix(line, "//")
	if !ok || IsDirective(line) {
		return ""
	}
	spaced := body != "" && (body[0] == ' ' || body[0] == '\t')
	words := fields(line, len("//"))
	if len(words) == 0 || !startsWithLetter(words[0].text) {
		return ""
	}
	for _, c := range candidates(words, spaced) {
		if distance(strings.ToLower(c.word), directiveName) > 2 || spaced && !optionsFollow(words[c.used:]) {
			continue
		}
		written := line[:words[c.used-1].offset+len(words[c.used-1].text)]
		if spaced && c.used == 1 && c.word == directiveName {
			return fmt.Sprintf("%q is an ordinary comment, not a directive (no space may follow the slashes): did you mean %s?", written, Prefix)
		}
		return fmt.Sprintf("misspelled directive %q: did you mean %s?", written, Prefix)
	}
	return ""
}

// candidate is a possible spelling of the directive's name made of the
// first used words of a line.
type candidate struct {
	word string
	used int
}

// candidates returns the first word and, for a name split by a space
// (jobs: handler, jobs :handler, and without a space after the slashes also
// jobs handler), the first two joined.
func candidates(words []field, spaced bool) []candidate {
	out := []candidate{{words[0].text, 1}}
	if len(words) < 2 {
		return out
	}
	first, second := words[0].text, words[1].text
	switch {
	case strings.HasSuffix(first, ":") || strings.HasPrefix(second, ":"):
		out = append(out, candidate{first + second, 2})
	case !spaced:
		out = append(out, candidate{first + ":" + second, 2})
	}
	return out
}

// optionsFollow reports whether the rest of a line is empty or starts like
// an option list.
func optionsFollow(rest []field) bool {
	if len(rest) == 0 {
		return true
	}
	key, _, hasValue := strings.Cut(rest[0].text, "=")
	return hasValue && key != "" || known(key)
}

func startsWithLetter(s string) bool {
	return s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
}
