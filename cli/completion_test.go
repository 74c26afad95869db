package cli

import (
	"os"
	"strings"
	"testing"
)

// completions asks cobra's hidden __complete command what Tab offers.
func completions(t *testing.T, args ...string) []string {
	t.Helper()
	r := execute(t, "", append([]string{"__complete"}, args...)...)
	wantOK(t, r)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if !strings.HasPrefix(l, ":") {
			name, _, _ := strings.Cut(l, "\t")
			out = append(out, name)
		}
	}
	return out
}

func TestCompletion(t *testing.T) {
	s := seed(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"jobs", "--state", ""}, "scheduled queued running succeeded dead canceled expired"},
		{[]string{"purge", "--state", ""}, "scheduled queued running succeeded dead canceled expired all"},
		{[]string{"jobs", "--store", s.url, "--queue", ""}, "default greetings"},
		{[]string{"pause", "--store", s.url, "gr"}, "greetings"},
		{[]string{"enqueue", ""}, "test.double test.greet"},
		{[]string{"revoke", "--name", ""}, "test.double test.greet"},
		{[]string{"restore", "--store", s.url, "--name", "test.g"}, "test.greet"},
		{[]string{"bench", "q2", "--client", ""}, "in-process other-process both"},
		{[]string{"bench", ""}, "l1 q1 q2 q4 q5"},
	} {
		if got := strings.Join(completions(t, tc.args...), " "); got != tc.want {
			t.Errorf("complete %v: %q, want %q", tc.args, got, tc.want)
		}
	}
	// Completing against a store that is not there offers nothing and
	// creates nothing.
	missing := t.TempDir() + "/none.db"
	if got := completions(t, "pause", "--store", "sqlite:"+missing, ""); len(got) != 0 {
		t.Errorf("queues of a missing store: %v", got)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("completing created %s", missing)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		r := execute(t, "", "completion", sh)
		wantOK(t, r)
		if !strings.Contains(r.out, "spindle") {
			t.Errorf("%s completion script does not name the command", sh)
		}
	}
}

// TestHelpIsComplete holds every command to man-page help: a long
// description and examples, in the binary's own name.
func TestHelpIsComplete(t *testing.T) {
	root := NewCommand(Config{Name: "myapp", Definitions: testDefs})
	for _, c := range root.Commands() {
		cmds := append(c.Commands(), c)
		for _, c := range cmds {
			if c.Name() == "help" || c.Name() == "completion" || c.Parent().Name() == "completion" {
				continue
			}
			if len(c.Long) < 100 {
				t.Errorf("%s: Long help is %d characters", c.CommandPath(), len(c.Long))
			}
			if c.Example == "" && !c.Hidden {
				t.Errorf("%s: no examples", c.CommandPath())
			}
			if strings.Contains(c.Example, "spindle ") {
				t.Errorf("%s: examples name spindle, not myapp:\n%s", c.CommandPath(), c.Example)
			}
		}
	}
	r := execute(t, "", "jobs", "--help")
	wantOK(t, r)
	for _, want := range []string{"Usage:", "Examples:", "--state", "--json", "Global Flags:", "--store"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("jobs --help lacks %q", want)
		}
	}
}
