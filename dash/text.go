package dash

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Limits on what one response carries from a job. Job data is written by
// anyone who can enqueue; a 1 MB argument must not become a 1 MB table
// cell, and the browser gets at most this much of any field.
const (
	previewLimit = 160       // list rows
	detailLimit  = 16 << 10  // one field of a job's detail
	prettyLimit  = 256 << 10 // JSON larger than this is shown as stored, not re-indented
	nameLimit    = 200       // names, IDs, owners: short by contract, cut in case a store holds otherwise
)

// text is stored bytes made safe to show: valid UTF-8, no control or
// bidirectional-override characters (they are written as \xNN or \uNNNN
// escapes, so the reader sees that they are there), cut at a rune
// boundary.
type text struct {
	Text      string `json:"text"`
	Size      int    `json:"size"`                // bytes as stored
	Truncated bool   `json:"truncated,omitempty"` // Text holds only the start
}

// clip makes b presentable in at most about max bytes of output.
func clip(b []byte, max int) text {
	var out bytes.Buffer
	t := text{Size: len(b)}
	for i := 0; i < len(b); {
		if out.Len() >= max {
			t.Truncated = true
			break
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&out, `\x%02x`, b[i])
		case r == '\n' || r == '\t':
			out.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&out, `\x%02x`, r)
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f:
			fmt.Fprintf(&out, `\u%04x`, r) // would reorder the text around it
		default:
			out.Write(b[i : i+n])
		}
		i += n
	}
	t.Text = out.String()
	return t
}

// clipString is clip for a string.
func clipString(s string, max int) text { return clip([]byte(s), max) }

// clipJSON shows a JSON document readably: re-encoded without Go's HTML
// escapes (\u003c would hide what the data really says; the page escapes
// it anyway), indented when indent is set. Anything that is not JSON, or
// too large to re-encode cheaply, is shown as stored.
func clipJSON(b []byte, max int, indent bool) text {
	limit := prettyLimit
	if !indent {
		limit = 4 << 10 // list previews: decoding a megabyte per row is not worth a nicer preview
	}
	if len(b) == 0 || len(b) > limit || !utf8.Valid(b) {
		// Decoding would replace bad bytes with U+FFFD and hide them.
		return clip(b, max)
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil || d.More() {
		return clip(b, max)
	}
	var out bytes.Buffer
	e := json.NewEncoder(&out)
	e.SetEscapeHTML(false)
	if indent {
		e.SetIndent("", "  ")
	}
	if err := e.Encode(v); err != nil {
		return clip(b, max)
	}
	t := clip(bytes.TrimRight(out.Bytes(), "\n"), max)
	t.Size = len(b)
	return t
}
