// Command spindle is Spindle's command-line tool: a demo of the library,
// and (as the durable layer grows) administration and benchmarks.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes: 0 ok, 1 the operation failed, 2 usage error.
const (
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// usageError marks errors in how the command was called.
type usageError struct{ error }

func run(ctx context.Context, args []string) int { return runRoot(ctx, newRoot(), args) }

func runRoot(ctx context.Context, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(root.ErrOrStderr(), "spindle:", err)
		if _, ok := err.(usageError); ok || isCobraUsageError(err) {
			return exitUsage
		}
		return exitFailed
	}
	return 0
}

// isCobraUsageError recognises the errors cobra itself returns for bad
// command lines (unknown commands, wrong argument counts), which carry no
// type of their own.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.Contains(msg, "accepts ") && strings.Contains(msg, " arg(s)") || strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag")
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "spindle",
		Short: "Asynchronous work for Go: tasks you can await, from a goroutine to a fleet of workers",
		Long: `spindle is the command-line tool of the Spindle library.

Everything Spindle starts returns a handle you can await, whether it runs in
a goroutine or as a durable job on another machine. Start with:

  spindle demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.AddCommand(newDemoCmd())
	root.AddCommand(newDashCommand())
	return root
}
