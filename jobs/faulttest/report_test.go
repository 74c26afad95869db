//go:build fault

package faulttest

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

var reportMu sync.Mutex

// report logs one machine-readable result line,
//
//	FAULT fault=NAME store=STORE key=value ...
//
// and appends it to $SPINDLE_FAULT_REPORT when set. docs/guarantees.md
// quotes these lines.
func report(t *testing.T, fault, storeName string, kv ...any) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "FAULT fault=%s store=%s", fault, storeName)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	line := b.String()
	t.Log(line)
	path := os.Getenv("SPINDLE_FAULT_REPORT")
	if path == "" {
		return
	}
	reportMu.Lock()
	defer reportMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("report: %v", err)
		return
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, line); err != nil {
		t.Errorf("report: %v", err)
	}
}
