package crontest

import (
	"testing"
	"time"
)

func TestTickOf(t *testing.T) {
	// The ULID specification's example: its time part is 1469922850259.
	if tk, ok := TickOf("01ARZ3NDEKTSV4RRFFQ69G5FAV"); !ok || !tk.Equal(time.UnixMilli(1469922850259)) {
		t.Fatalf("TickOf(spec example) = %v, %v; want %v, true", tk, ok, time.UnixMilli(1469922850259))
	}
	for _, id := range []string{"", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVX", "01ARZ3NDEUTSV4RRFFQ69G5FAV", "01arz3ndektsv4rrffq69g5fav"} {
		if tk, ok := TickOf(id); ok {
			t.Errorf("TickOf(%q) = %v, true; want false", id, tk)
		}
	}
}
