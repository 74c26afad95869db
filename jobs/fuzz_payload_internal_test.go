package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

// fuzzArgs has the field kinds arguments usually have.
type fuzzArgs struct {
	Name  string            `json:"name"`
	N     int64             `json:"n"`
	F     float64           `json:"f"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
	Next  *fuzzArgs         `json:"next"`
	Raw   json.RawMessage   `json:"raw"`
}

var fuzzEcho = Define("fuzz.echo", func(ctx context.Context, a fuzzArgs) (fuzzArgs, error) { return a, nil })

// FuzzDecodeArgs feeds stored arguments of any shape to a definition, as a
// worker does with what it claims: a panic-free run, a permanent error
// that names the job, the type and a readable excerpt when they do not
// decode, and a result that decodes back into what the handler returned.
func FuzzDecodeArgs(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","n":1,"f":1.5,"tags":["x"],"attrs":{"k":"v"},"next":{"n":2},"raw":[1,2]}`,
		`{}`, `null`, `[]`, `"x"`, `{"n":"1"}`, `{"n":1e400}`, `{"next":{"next":{"next":null}}}`,
		`{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{`, ``, strings.Repeat("[", 10000),
		`{"raw":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`,
		`{"name":"` + strings.Repeat("é", 150) + `"`,
	} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := fuzzEcho.core.run(ctx, raw)
		if err != nil {
			msg := err.Error()
			if !isPermanent(err) {
				t.Fatalf("run(%q): %v is not permanent: retrying cannot make it decode", raw, err)
			}
			if !strings.Contains(msg, `"fuzz.echo"`) || !strings.Contains(msg, "jobs.fuzzArgs") {
				t.Fatalf("run(%q): %q does not name the job and the type", raw, msg)
			}
			if !utf8.ValidString(msg) {
				t.Fatalf("run(%q): %q is not valid UTF-8; error histories are JSON text", raw, msg)
			}
			return
		}
		var want fuzzArgs
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("run(%q) succeeded on arguments json.Unmarshal refuses: %v", raw, err)
		}
		var got fuzzArgs
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("run(%q): result %q does not decode: %v", raw, out, err)
		}
	})
}

// FuzzDecodeResult settles a handle from a stored result of any shape, as
// Await does: no panic, the result or an error naming the job and the
// type.
func FuzzDecodeResult(f *testing.F) {
	for _, s := range []string{`{"name":"a","n":1}`, `null`, `{"n":true}`, `[`, ``, "\xff", `{"next":` + strings.Repeat(`{"next":`, 200)} {
		f.Add([]byte(s))
	}
	s := memory.New()
	c, err := New(s)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close(); s.Close() })
	f.Fuzz(func(t *testing.T, raw []byte) {
		h := newHandle[fuzzArgs](c, "job-1")
		h.settle(&store.Job{ID: "job-1", Name: "fuzz.echo", State: store.Succeeded, Result: raw}, nil)
		_, err := h.Result()
		if err == nil {
			return
		}
		var je *JobError
		if errors.As(err, &je) {
			t.Fatalf("settle(%q): %v is a JobError: the job succeeded, only its result is bad", raw, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "job-1") || !strings.Contains(msg, "jobs.fuzzArgs") || !utf8.ValidString(msg) {
			t.Fatalf("settle(%q): %q does not name the job and the type", raw, msg)
		}
	})
}
