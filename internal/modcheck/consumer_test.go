package modcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// spindleModules maps each module of the repository to its directory.
var spindleModules = map[string]string{
	"github.com/spindlehq/spindle":                     ".",
	"github.com/spindlehq/spindle/jobs/store/sqlite":   "jobs/store/sqlite",
	"github.com/spindlehq/spindle/jobs/store/redis":    "jobs/store/redis",
	"github.com/spindlehq/spindle/jobs/store/postgres": "jobs/store/postgres",
	"github.com/spindlehq/spindle/internal/servertest": "internal/servertest",
}

// TestConsumerModules builds throwaway modules the way a user would and
// reads `go list -m all`: the root package pulls in nothing but the core
// module (and goleak, which the core's own tests use and the go command
// lists without ever compiling it into a program); jobs with the memory
// store pulls no driver; the SQLite driver pulls modernc and nothing of
// Redis or PostgreSQL.
func TestConsumerModules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds throwaway modules with the go command; skipped in -short mode")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		imports []string
		// allowed module path prefixes beyond Spindle's core module; nil
		// allows any but those in deny
		allow []string
		deny  []string
		// required prefixes: at least one module each
		want []string
	}{
		{name: "root", imports: []string{"github.com/spindlehq/spindle"}, allow: []string{"go.uber.org/goleak"}},
		{name: "jobs-memory", imports: []string{"github.com/spindlehq/spindle/jobs", "github.com/spindlehq/spindle/jobs/jobtype"},
			allow: []string{"go.uber.org/goleak"}},
		{name: "sqlite", imports: []string{"github.com/spindlehq/spindle/jobs", "github.com/spindlehq/spindle/jobs/store/sqlite"},
			deny: []string{"github.com/redis/", "github.com/jackc/", "github.com/spindlehq/spindle/jobs/store/redis",
				"github.com/spindlehq/spindle/jobs/store/postgres", "github.com/prometheus/", "go.opentelemetry.io/",
				"github.com/chromedp/", "github.com/spf13/"},
			want: []string{"modernc.org/sqlite"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var mod strings.Builder
			mod.WriteString("module example.com/consumer\n\ngo 1.25.0\n\n")
			for m, d := range spindleModules {
				mod.WriteString("replace " + m + " => " + filepath.Join(root, d) + "\n")
			}
			var src strings.Builder
			src.WriteString("package main\n\nimport (\n")
			for _, p := range tc.imports {
				src.WriteString("\t_ \"" + p + "\"\n")
			}
			src.WriteString(")\n\nfunc main() {}\n")
			write(t, filepath.Join(dir, "go.mod"), mod.String())
			write(t, filepath.Join(dir, "main.go"), src.String())
			run(t, dir, goBin, "mod", "tidy")
			out := run(t, dir, goBin, "list", "-m", "all")
			var paths []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				paths = append(paths, strings.Fields(line)[0])
			}
			for _, p := range paths[1:] { // paths[0] is the consumer itself
				if p == "github.com/spindlehq/spindle" {
					continue
				}
				prefixed := func(a string) bool { return strings.HasPrefix(p, a) }
				if tc.allow != nil && !slices.ContainsFunc(tc.allow, prefixed) || slices.ContainsFunc(tc.deny, prefixed) {
					t.Errorf("importing %v pulls module %s into the build list:\n%s", tc.imports, p, out)
				}
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, w) }) {
					t.Errorf("importing %v: no %s in the build list:\n%s", tc.imports, w, out)
				}
			}
		})
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v in %s: %v\n%s", name, args, dir, err, out)
	}
	return string(out)
}
