// Package storetext holds the one rule by which the stores keep text that
// comes from users (a handler's error, a revoke reason): every store of
// this module writes it through [Clean], so the text reads back the same
// from each, and none refuses it. PostgreSQL refuses NUL and invalid
// UTF-8 in text and jsonb; SQLite's JSON functions and encoding/json
// replace invalid UTF-8; Redis keeps any bytes. Results are bytes, not
// text, and are never cleaned: every store keeps them exactly.
package storetext

import (
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Clean returns s as every store can keep it: valid UTF-8 without NUL.
// Text that already is (almost all) is returned unchanged, without
// copying. Otherwise each NUL byte and each byte that is not part of a
// valid UTF-8 sequence becomes the four characters \xNN, NN its value in
// lower-case hex, as Go's %q prints it; the rest is kept. For text that
// holds no `\x` of its own the original bytes are recovered by turning
// each \xNN back into its byte; text for people to read needs no more.
//
// Clean(Clean(s)) == Clean(s). It is safe for concurrent use.
func Clean(s string) string {
	i := firstUnclean(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c == 0 {
			writeEscape(&b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			writeEscape(&b, c)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// IsClean reports whether Clean would return s unchanged. It is safe for
// concurrent use.
func IsClean(s string) bool { return firstUnclean(s) < 0 }

// firstUnclean returns the index of the first NUL or invalid byte of s,
// or -1.
func firstUnclean(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

func writeEscape(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}
