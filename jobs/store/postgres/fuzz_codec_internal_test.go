package postgres

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// FuzzFinishParams: whatever error text and result an outcome holds, the
// finish statement's parameters are ones the server takes: the text (for
// text and jsonb columns) valid UTF-8 without NUL, cleaned as every store
// cleans it, and the result (bytea) the same bytes.
func FuzzFinishParams(f *testing.F) {
	f.Add("upstream said: \x00", []byte(`"ok"`))
	f.Add("bad \xff\xfe", []byte("\x00\xff"))
	f.Add("", []byte(nil))
	f.Fuzz(func(t *testing.T, errText string, result []byte) {
		a := newFinishArgs(1)
		at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		a.add(store.Outcome{ID: "j", Owner: "w", State: store.Dead, Error: errText, Result: result, FinishedAt: at})
		got := a.errs[0]
		if !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 || got != storetext.Clean(errText) {
			t.Fatalf("error %q sent as %q: want storetext.Clean's text", errText, got)
		}
		// jsonb_build_object escapes the text as encoding/json does; the
		// server refuses \u0000 in jsonb.
		b, _ := json.Marshal(got)
		if hasNULEscape(b) {
			t.Fatalf("error %q becomes jsonb %s", errText, b)
		}
		if string(a.results[0]) != string(result) {
			t.Fatalf("result %q sent as %q", result, a.results[0])
		}
	})
}

// hasNULEscape reports whether the JSON text b holds the escape \u0000
// (not a literal backslash followed by u0000, escaped as \\u0000).
func hasNULEscape(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && strings.HasPrefix(string(b[i+2:]), "0000") {
			return true
		}
		i++ // the escaped character
	}
	return false
}

// pgBase64 encodes b as PostgreSQL's encode(b, 'base64') does: lines of
// 76 characters.
func pgBase64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}

// FuzzJobNote: the final job a lone finish sends in its notification
// (jobJSON, read back as dispatchJob reads it) carries the result byte
// for byte and the error text as stored, whatever they hold.
func FuzzJobNote(f *testing.F) {
	f.Add("upstream said: \x00", []byte("\x00\xff\xfe"), []byte(`{"n":1}`))
	f.Add("", []byte(nil), []byte(nil))
	f.Add("é\xed\xa0\x80", []byte(strings.Repeat("\xc0", 200)), []byte(`[]`))
	f.Fuzz(func(t *testing.T, errText string, result, args []byte) {
		stored := storetext.Clean(errText)
		hist, _ := json.Marshal([]store.AttemptError{{Attempt: 1, At: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), Error: stored}})
		obj := map[string]any{
			"id": "j1", "name": "n", "queue": "q", "priority": 0, "state": "dead", "attempt": 1, "max_attempts": 1,
			"run_at": "2030-01-02T03:04:05+00:00", "enqueued_at": "2030-01-02T03:04:05+00:00", "finished_at": "2030-01-02T03:04:06.5+00:00",
			"args": nullable(args), "result": nullable(result), "meta": nil,
			"last_error": stored, "errors": json.RawMessage(hist), "retention_ns": 0, "revoke": nil,
		}
		doc, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		note := `"j1"` + string(doc)
		dec := json.NewDecoder(strings.NewReader(note))
		var id string
		var d jobDoc
		if err := dec.Decode(&id); err != nil || id != "j1" {
			t.Fatalf("note %q: id %q, %v", note, id, err)
		}
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("note %q: %v", note, err)
		}
		j, err := d.job()
		if err != nil {
			t.Fatalf("note %q: %v", note, err)
		}
		if string(j.Result) != string(result) || string(j.Args) != string(args) {
			t.Fatalf("result %q, args %q read back as %q, %q", result, args, j.Result, j.Args)
		}
		if j.LastError != stored || len(j.Errors) != 1 || j.Errors[0].Error != stored {
			t.Fatalf("error %q read back as %q, %+v; want %q", errText, j.LastError, j.Errors, stored)
		}
	})
}

// nullable is a bytea column as json_build_object writes it: NULL stays
// null, bytes are base64 (through encode, in lines).
func nullable(b []byte) any {
	if b == nil {
		return nil
	}
	return pgBase64(b)
}

// A data error is rejected (a repeat fails the same way); a lost
// connection, a serialization failure or a server shutting down are not.
func TestRejected(t *testing.T) {
	for code, want := range map[string]bool{
		"22021": true, "22P05": true, "22001": true, "23505": true, "23514": true, "54000": true,
		"08006": false, "40001": false, "40P01": false, "57P01": false, "42P01": false, "": false,
	} {
		var err error = &pgconn.PgError{Code: code, Message: "m"}
		if code == "" {
			err = errors.New("read tcp: connection reset by peer")
		}
		if got := rejected(err); got != want {
			t.Errorf("rejected(SQLSTATE %q) = %v, want %v", code, got, want)
		}
	}
}
