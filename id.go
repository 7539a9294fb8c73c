package jobs

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// idClock orders the IDs newJobID makes in this process: the 48-bit Unix
// millisecond and 12-bit sub-millisecond fraction of the last one.
var idClock struct {
	sync.Mutex
	last int64
}

// newJobID returns a version-7 UUID (RFC 9562) in canonical lower-case
// text: 48 bits of Unix milliseconds, 12 bits of sub-millisecond time that
// also serve as a counter (so the IDs of one process increase strictly,
// even when the clock steps back), and 62 random bits from crypto/rand.
// GeneratedIDForm recognises its output.
func newJobID(now time.Time) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[8:]); err != nil {
		return "", err
	}
	nanos := now.UnixNano()
	stamp := nanos/1e6<<12 | (nanos%1e6)*4096/1e6
	idClock.Lock()
	if stamp <= idClock.last {
		stamp = idClock.last + 1
	}
	idClock.last = stamp
	idClock.Unlock()
	ms, frac := stamp>>12, stamp&0xfff
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = 0x70 | byte(frac>>8) // version 7
	b[7] = byte(frac)
	b[8] = 0x80 | b[8]&0x3f // variant 10
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:]), nil
}

// GeneratedIDTime returns the time stamped on an ID of GeneratedIDForm: its
// Unix millisecond and 12-bit sub-millisecond fraction, a resolution of
// 1/4096 ms. For an ID that NewJob generated, that is the job's CreatedAt
// rounded down to that resolution (later only in a process that made more
// than 4,096 IDs in one millisecond). ok is false for IDs of other forms.
func GeneratedIDTime(id string) (t time.Time, ok bool) {
	if !GeneratedIDForm(id) {
		return time.Time{}, false
	}
	ms := hexNumber(id[0:8])<<16 | hexNumber(id[9:13])
	frac := hexNumber(id[15:18])
	return time.Unix(0, ms*1e6+frac*1e6/4096).UTC(), true
}

// hexNumber is the value of s, lower-case hex digits.
func hexNumber(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= '9' {
			n = n<<4 | int64(c-'0')
		} else {
			n = n<<4 | int64(c-'a'+10)
		}
	}
	return n
}
