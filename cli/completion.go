package cli

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
)

// completionTimeout bounds the store round trip a completion may make: a
// shell waiting on Tab must not hang on an unreachable store.
const completionTimeout = 2 * time.Second

// completeStateFlag offers the job states for flag name.
func (a *app) completeStateFlag(cmd *cobra.Command, name string, all bool) {
	states := stateNames()
	if all {
		states = append(states, "all")
	}
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(states, cobra.ShellCompDirectiveNoFileComp))
}

// completeQueueFlag offers the store's queues for flag name.
func (a *app) completeQueueFlag(cmd *cobra.Command, name string) {
	_ = cmd.RegisterFlagCompletionFunc(name, func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return a.queueNames(cmd, toComplete), cobra.ShellCompDirectiveNoFileComp
	})
}

// completeQueueArg offers the store's queues as the first argument.
func (a *app) completeQueueArg(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.queueNames(cmd, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// queueNames lists the queues of the store named on the command line so
// far; any failure offers nothing rather than an error in the shell.
func (a *app) queueNames(cmd *cobra.Command, prefix string) []string {
	c, ctx, done := a.completionClient()
	if c == nil {
		return nil
	}
	defer done()
	qs, err := c.Inspect().Queues(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, q := range qs {
		if strings.HasPrefix(q.Name, prefix) {
			out = append(out, q.Name)
		}
	}
	return out
}

// completeDefinition offers the binary's job names as the first argument.
func (a *app) completeDefinition(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, d := range a.defs {
		if strings.HasPrefix(d.Name(), toComplete) {
			out = append(out, d.Name()+"\targs "+d.ArgsType())
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeJobNameFlag offers, for flag name, the binary's definitions and,
// when revoked is set, the names revoked in the store.
func (a *app) completeJobNameFlag(cmd *cobra.Command, name string, revoked bool) {
	_ = cmd.RegisterFlagCompletionFunc(name, func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		seen := map[string]bool{}
		var out []string
		add := func(n string) {
			if strings.HasPrefix(n, toComplete) && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		if revoked {
			for _, n := range a.revokedNames(cmd) {
				add(n)
			}
		}
		for _, d := range a.defs {
			add(d.Name())
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// revokedNames lists the names revoked in the store named so far; any
// failure offers nothing.
func (a *app) revokedNames(cmd *cobra.Command) []string {
	c, ctx, done := a.completionClient()
	if c == nil {
		return nil
	}
	defer done()
	rs, err := c.Inspect().Revocations(ctx)
	if err != nil {
		return nil
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// completionClient opens the store for a completion within
// completionTimeout, never creating a SQLite file; nil when it cannot.
func (a *app) completionClient() (*jobs.Client, context.Context, func()) {
	if sqliteFileMissing(a.store) {
		return nil, nil, nil // completing must not create a database
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	saved := a.connectTimeout
	a.connectTimeout = completionTimeout
	c, err := a.open(ctx)
	a.connectTimeout = saved
	if err != nil {
		cancel()
		return nil, nil, nil
	}
	return c, ctx, func() { c.Close(); cancel() }
}

// sqliteFileMissing reports whether url names a SQLite file that does not
// exist yet (opening it would create it).
func sqliteFileMissing(url string) bool {
	scheme, rest, _ := strings.Cut(url, ":")
	if s := strings.ToLower(scheme); s != "sqlite" && s != "sqlite3" {
		return false
	}
	path := strings.TrimPrefix(rest, "//")
	if strings.HasPrefix(path, "file:") {
		return false // let the store decide
	}
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}
