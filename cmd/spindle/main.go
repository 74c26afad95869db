// Command spindle is Spindle's command-line tool: a demo of durable jobs,
// administration of any store, benchmarks, and a tour of the in-process
// toolkit. The command tree lives in package cli, so programs holding
// their own job definitions get the same commands (plus worker and
// enqueue) with cli.Main; this binary adds only the tour.
package main

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/cli"
)

func main() { os.Exit(cli.Execute(cli.SignalContext(), newRoot(), os.Args[1:])) }

func newRoot() *cobra.Command {
	root := cli.NewCommand(cli.Config{
		Name:  "spindle",
		Short: "Asynchronous work for Go: tasks you can await, from a goroutine to a fleet of workers",
	})
	tour := newTourCmd()
	tour.GroupID = "try"
	root.AddCommand(tour)
	dash := newDashCommand()
	dash.GroupID = "admin"
	root.AddCommand(dash)
	return root
}
