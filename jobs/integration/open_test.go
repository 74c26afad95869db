package integration_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
)

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := []string{"memory:", "sqlite:" + filepath.Join(dir, "a.db"), "sqlite://" + filepath.Join(dir, "b.db")}
	for _, u := range good {
		c, err := jobs.Open(ctx, u)
		if err != nil {
			t.Errorf("Open(%q): %v", u, err)
			continue
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close(%q): %v", u, err)
		}
	}
	bad := map[string]string{
		"mysql://127.0.0.1:3306": `unknown scheme "mysql"`,
		"spindle.db":             "no scheme",
		"sqlite:":                "no file path",
		"memory:/x":              "takes no path",
		"sqlite:" + filepath.Join(dir, "missing", "x.db"): "missing",
		"sqlite:" + dir: "is a directory",
	}
	for u, want := range bad {
		_, err := jobs.Open(ctx, u)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) = %v; want an error containing %q", u, err, want)
		}
		if err != nil && strings.Contains(want, "scheme") && !strings.Contains(err.Error(), "sqlite:PATH") {
			t.Errorf("Open(%q) = %v; want the accepted forms named", u, err)
		}
	}
}

func TestOpenDefaultIsSQLiteInWorkingDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	c, err := jobs.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := os.Stat(filepath.Join(dir, "spindle.db")); err != nil {
		t.Fatalf("default store file: %v", err)
	}
}
