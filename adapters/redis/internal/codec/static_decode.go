package codec

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// decodeStatic reads field d into st as json.Unmarshal does. Field d as
// appendStatic writes it (no metadata or retry policy, plain strings) is
// parsed directly; anything else goes to json.Unmarshal, which also
// reports what is wrong with invalid data.
func decodeStatic(d string, st *Static) error {
	if !fastStatic(d, st) {
		*st = Static{}
		return json.Unmarshal([]byte(d), st)
	}
	return nil
}

// fastStatic parses d into st when it has the simple form, and reports
// whether it did.
func fastStatic(d string, st *Static) bool {
	if len(d) < 2 || d[0] != '{' || d[len(d)-1] != '}' {
		return false
	}
	rest := d[1 : len(d)-1]
	for rest != "" {
		if rest[0] != '"' {
			return false
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 || len(rest) < end+3 || rest[end+2] != ':' {
			return false
		}
		key := rest[1 : end+1]
		rest = rest[end+3:]
		n := valueEnd(rest)
		if n <= 0 {
			return false
		}
		val := rest[:n]
		if rest = rest[n:]; rest != "" {
			if rest[0] != ',' || len(rest) == 1 {
				return false
			}
			rest = rest[1:]
		}
		var ok bool
		switch key {
		case "t":
			st.Type, ok = plainString(val)
		case "tn":
			st.TenantID, ok = plainString(val)
		case "u":
			st.UniqueKey, ok = plainString(val)
		case "a":
			ok = json.Valid([]byte(val))
			st.Args = json.RawMessage(val)
		case "mr":
			var v int64
			v, ok = integer(val, strconv.IntSize)
			st.MaxRetries = int(v)
		case "to":
			var v int64
			v, ok = integer(val, 64)
			st.Timeout = time.Duration(v)
		case "c":
			st.CreatedAt, ok = integer(val, 64)
		case "uu":
			st.UniqueTill, ok = integer(val, 64)
		}
		if !ok {
			return false
		}
	}
	return true
}

// valueEnd returns the length of the JSON value at the start of s, 0 when
// it cannot tell: strings with escapes and spaces are left to the full
// decoder.
func valueEnd(s string) int {
	depth, inString := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth < 0 {
				return 0
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return 0
		case c == ',' && depth == 0:
			return i
		}
	}
	if depth != 0 || inString {
		return 0
	}
	return len(s)
}

// plainString returns the content of a JSON string without escapes or
// control characters.
func plainString(v string) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	s := v[1 : len(v)-1]
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return "", false
		}
	}
	return s, true
}

// integer parses a JSON integer that fits in bits; other numbers (signs,
// leading zeros, fractions, exponents) are left to the full decoder.
func integer(v string, bits int) (int64, bool) {
	digits := strings.TrimPrefix(v, "-")
	if digits == "" || digits[0] == '+' || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, bits)
	return n, err == nil
}
