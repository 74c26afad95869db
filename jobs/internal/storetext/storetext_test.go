package storetext

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"é, 世界, \U0001F600, \uFFFD", "é, 世界, \U0001F600, \uFFFD"},
		{`a literal \x00 stays`, `a literal \x00 stays`},
		{"upstream said: \x00", `upstream said: \x00`},
		{"\x00\x00", `\x00\x00`},
		{"bad \xff\xfe end", `bad \xff\xfe end`},
		{"cut \xe4\xb8", `cut \xe4\xb8`},                     // a sequence cut short
		{"surrogate \xed\xa0\x80", `surrogate \xed\xa0\x80`}, // not UTF-8 either
		{"overlong \xc0\x80", `overlong \xc0\x80`},
		{"mixed é\x00\xff世", `mixed é\x00\xff世`},
	} {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if IsClean(tt.in) != (tt.in == tt.want) {
			t.Errorf("IsClean(%q) = %v", tt.in, IsClean(tt.in))
		}
	}
}

// Clean text is returned as it is, not copied: the stores call Clean on
// every outcome, and almost every one is clean.
func TestCleanDoesNotAllocateForCleanText(t *testing.T) {
	s := strings.Repeat("connection refused: é ", 100)
	if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
		t.Fatalf("Clean of clean text allocates %v times", n)
	}
}

// unescape turns each \xNN back into its byte: the inverse Clean promises
// for text without a `\x` of its own.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == 'x' {
			if i+4 > len(s) {
				return "", fmt.Errorf("escape cut short at %d", i)
			}
			n, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return "", fmt.Errorf("escape %q at %d: %v", s[i:i+4], i, err)
			}
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

// FuzzOutcomeEncoding: whatever bytes a handler's error holds, Clean makes
// text every store keeps (valid UTF-8, no NUL), leaves clean text alone,
// is idempotent, and can be undone where it says it can.
func FuzzOutcomeEncoding(f *testing.F) {
	for _, s := range []string{"", "boom", "upstream said: \x00", "\xff\xfe", `\x41 literal`, "é\x00\xed\xa0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := string(in)
		out := Clean(s)
		if !utf8.ValidString(out) || strings.IndexByte(out, 0) >= 0 {
			t.Fatalf("Clean(%q) = %q: not valid UTF-8 without NUL", s, out)
		}
		if again := Clean(out); again != out {
			t.Fatalf("Clean(Clean(%q)) = %q, want %q", s, again, out)
		}
		clean := utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
		if IsClean(s) != clean || (clean && out != s) {
			t.Fatalf("Clean(%q) = %q, IsClean %v; clean text must be kept", s, out, IsClean(s))
		}
		if !strings.Contains(s, `\x`) {
			back, err := unescape(out)
			if err != nil || back != s {
				t.Fatalf("Clean(%q) = %q reads back as %q, %v", s, out, back, err)
			}
		}
	})
}
