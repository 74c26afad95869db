package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNextNIncreasesAcrossChunksAndCalls(t *testing.T) {
	var g jobIDs
	at := time.UnixMilli(1_700_000_000_000)
	first := g.next(at)
	ids := g.nextN(at, 3*idChunk+5)
	last := g.next(at)
	all := append(append([]string{first}, ids...), last)
	if len(ids) != 3*idChunk+5 {
		t.Fatalf("%d IDs, want %d", len(ids), 3*idChunk+5)
	}
	for i := 1; i < len(all); i++ {
		if len(all[i]) != 26 || all[i] <= all[i-1] {
			t.Fatalf("ID %d %q does not follow %q", i, all[i], all[i-1])
		}
	}
	if got := g.nextN(at, 0); len(got) != 0 {
		t.Errorf("nextN(0) = %v, want none", got)
	}
}

type failingArg struct{}

func (failingArg) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

type htmlArg struct {
	S string `json:"s"`
}

func TestArgArenaMatchesMarshal(t *testing.T) {
	var a argArena
	vals := []any{
		map[string]int{"n": 1},
		htmlArg{"<a & b>"},
		strings.Repeat("x", 3*arenaChunk), // larger than a buffer
		json.RawMessage(` { "spaced" : true } `),
		nil,
		42,
	}
	var got [][]byte
	var gotVals []any
	for i := 0; i < 3000; i++ { // several buffers' worth
		for k, v := range vals {
			if k == 2 && i%1000 != 0 {
				continue // the large one now and then
			}
			raw, err := a.encode(v)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(v)
			if !bytes.Equal(raw, want) {
				t.Fatalf("encode(%v) = %s, want %s", v, raw, want)
			}
			if cap(raw) != len(raw) {
				t.Fatalf("encode(%v) leaves capacity %d past its %d bytes", v, cap(raw), len(raw))
			}
			got, gotVals = append(got, raw), append(gotVals, v)
		}
	}
	// Later values did not overwrite earlier ones.
	for i, raw := range got {
		want, _ := json.Marshal(gotVals[i])
		if !bytes.Equal(raw, want) {
			t.Fatalf("value %d changed to %s", i, raw)
		}
	}
	if _, err := a.encode(failingArg{}); err == nil {
		t.Error("a failing MarshalJSON encoded")
	}
	if _, err := a.encode(make(chan int)); err == nil {
		t.Error("a channel encoded")
	}
	if raw, err := a.encode(7); err != nil || string(raw) != "7" {
		t.Errorf("after errors: %s, %v; want 7", raw, err)
	}
}

func TestNewHandlesKeepsIDsAndOrder(t *testing.T) {
	ids := make([]string, handleChunk+3)
	for i := range ids {
		ids[i] = strings.Repeat("a", i+1)
	}
	hs := newHandles[int](nil, ids)
	for i, h := range hs {
		if h.ID() != ids[i] || h.out.done == nil {
			t.Fatalf("handle %d: ID %q, want %q", i, h.ID(), ids[i])
		}
	}
	if hs[0] == hs[1] {
		t.Fatal("two handles share one value")
	}
}
