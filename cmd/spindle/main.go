// Command spindle is Spindle's command-line tool: a demo of the library,
// and (as the durable layer grows) administration and benchmarks.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
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

func run(ctx context.Context, args []string) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(root.ErrOrStderr(), "spindle:", err)
		if _, ok := err.(usageError); ok {
			return exitUsage
		}
		return exitFailed
	}
	return 0
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
	}
	root.AddCommand(newDemoCmd())
	return root
}
