package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// noWorkerCmd stands for "worker" in a binary that holds no job
// definitions (the stock spindle command): it explains where workers run
// instead of failing with "unknown command".
func (a *app) noWorkerCmd() *cobra.Command {
	return &cobra.Command{
		Use: "worker",
		// Hidden: the stock binary offers no worker, it only answers one
		// who asks for it.
		Hidden: true,
		Short:  "How to run workers (they run in your own binary)",
		Long: a.ex(`A worker runs your job functions, so it lives in a program that holds
them, not in this one. Declare your jobs with jobs.Define in a package
your producers and your worker binary share, and give the worker binary
one line:

  func main() { cli.Main(resize, sendMail) }

That binary has every command of this one plus "worker" and "enqueue";
examples/userbinary in Spindle's repository is a complete one. A worker
can also be started from any program with jobs.NewWorker and Run.`),
		Example: `  go run ./examples/userbinary worker --store sqlite:spindle.db`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(cmd.ErrOrStderr(), cmd.Long)
			return Usage(errors.New("this binary holds no job definitions, so it cannot run a worker"))
		},
	}
}
