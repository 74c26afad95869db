package cli_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/cli"
	"github.com/spindlehq/spindle/jobs"
)

var resize = jobs.Define("images.resize", func(ctx context.Context, width int) (string, error) {
	return fmt.Sprintf("thumb@%dw", width), nil
}, jobs.Queue("images"))

// A program with job definitions gets worker and enqueue next to the
// administration commands. Main does this with os.Args and exits; here
// the tree runs twice on a memory store, with errors shown on stdout.
func ExampleNewCommand() {
	ctx := context.Background()
	run := func(args ...string) {
		root := cli.NewCommand(cli.Config{Name: "myapp", Definitions: []jobs.Registrable{resize}})
		root.SetOut(os.Stdout)
		root.SetErr(os.Stdout)
		fmt.Println("exit", cli.Execute(ctx, root, append(args, "--store", "memory:")))
	}
	run("enqueue", "images.resize", `"wide"`)
	run("purge", "--state", "dead", "--queue", "images", "--json")
	// Output:
	// myapp: jobs: enqueue "images.resize": arguments do not fit the job: "wide" does not decode into int: json: cannot unmarshal string into Go value of type int (see myapp enqueue --help)
	// exit 2
	// {
	//   "deleted": 0,
	//   "queue": "images",
	//   "state": "dead"
	// }
	// exit 0
}

// Commands of your own join the tree and report bad arguments with Usage,
// which Execute turns into exit code 2.
func ExampleUsage() {
	root := cli.NewCommand(cli.Config{Name: "myapp"})
	root.AddCommand(&cobra.Command{
		Use: "thumbs WIDTH",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || args[0] == "0" {
				return cli.Usage(errors.New("thumbs needs a width of at least 1"))
			}
			return nil
		},
	})
	root.SetErr(os.Stdout)
	fmt.Println("exit", cli.Execute(context.Background(), root, []string{"thumbs", "0"}))
	// Output:
	// myapp: thumbs needs a width of at least 1 (see myapp thumbs --help)
	// exit 2
}
