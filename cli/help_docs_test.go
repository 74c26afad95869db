package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestDocsCoverEveryCommand walks the whole tree, the stock binary's and
// a user's, and holds docs/cli.md to it: every command is documented, and
// so is every flag a command defines.
func TestDocsCoverEveryCommand(t *testing.T) {
	raw, err := os.ReadFile("../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, root := range []*cobra.Command{NewCommand(Config{Name: "spindle"}), NewCommand(Config{Name: "spindle", Definitions: testDefs})} {
		var walk func(c *cobra.Command)
		walk = func(c *cobra.Command) {
			for _, sub := range c.Commands() {
				if sub.Hidden || sub.Name() == "help" || c.Name() == "completion" {
					continue
				}
				if !strings.Contains(doc, "`"+sub.Name()) && !strings.Contains(doc, "### "+sub.Name()) {
					t.Errorf("docs/cli.md does not document %q", sub.CommandPath())
				}
				sub.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
					if f.Hidden || f.Name == "help" {
						return
					}
					if !strings.Contains(doc, "--"+f.Name) && (f.Shorthand == "" || !strings.Contains(doc, "`-"+f.Shorthand) && !strings.Contains(doc, " -"+f.Shorthand+" ")) {
						t.Errorf("docs/cli.md does not mention --%s of %q", f.Name, sub.CommandPath())
					}
				})
				walk(sub)
			}
		}
		walk(root)
	}
}
