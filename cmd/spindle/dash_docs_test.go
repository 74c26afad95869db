package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDashFlagHelpInDocs: the help of the serving flags is what the
// docs say.
func TestDashFlagHelpInDocs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "dashboard.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := newDashCommand()
	for _, name := range []string{"allowed-host", "tls-cert", "tls-key", "trust-forwarded-proto"} {
		f := cmd.Flags().Lookup(name)
		if f == nil {
			t.Fatalf("no flag --%s", name)
		}
		if !strings.Contains(string(b), "| "+f.Usage+" |") {
			t.Errorf("docs/dashboard.md does not give --%s's help verbatim in its flag table: %q", name, f.Usage)
		}
	}
}
