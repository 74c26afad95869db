package cli

import (
	"github.com/spf13/cobra"

	"github.com/spindlehq/spindle/jobs"
)

// scrubError returns err's text with the secrets of the store URLs the
// commands (and their parents) were given masked, and those of any other
// URL or connection string it quotes (see [jobs.RedactURL]).
func scrubError(err error, cmds ...*cobra.Command) string {
	var urls []string
	for _, c := range cmds {
		for ; c != nil; c = c.Parent() {
			if f := c.Flags().Lookup(storeFlag); f != nil {
				urls = append(urls, f.Value.String(), f.DefValue)
			}
			if f := c.PersistentFlags().Lookup(storeFlag); f != nil {
				urls = append(urls, f.Value.String(), f.DefValue)
			}
		}
	}
	return jobs.RedactURL(err.Error(), urls...)
}
