package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// versionJSON is what "version --json" prints.
type versionJSON struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Spindle  string `json:"spindle"`
}

// buildVersion reads the binary's build information: its main module's
// version ("(devel)" when built from a checkout), the commit it was built
// from when the build recorded one, and the versions of Go and of
// Spindle's jobs module.
func buildVersion() versionJSON {
	v := versionJSON{Version: "(unknown)", Spindle: "(unknown)", Go: "(unknown)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Module, v.Version, v.Go = bi.Main.Path, bi.Main.Version, bi.GoVersion
	if bi.Main.Path == "github.com/spindlehq/spindle" || strings.HasPrefix(bi.Main.Path, "github.com/spindlehq/spindle/") {
		v.Spindle = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/spindlehq/spindle" {
			v.Spindle = d.Version
			if d.Replace != nil {
				v.Spindle += " => " + d.Replace.Path
			}
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func (v versionJSON) String() string {
	s := fmt.Sprintf("%s %s", v.Module, v.Version)
	if v.Commit != "" {
		s += ", commit " + v.Commit
		if v.Modified {
			s += " (modified)"
		}
	}
	if v.Spindle != v.Version {
		s += ", spindle " + v.Spindle
	}
	return s + ", " + v.Go
}

func (a *app) versionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of this binary",
		Long: a.ex(`version prints what this binary was built from: its module and version
("(devel)" when built from a checkout rather than installed from a
tagged release), the commit when the build recorded one, the version of
Spindle it holds, and the Go version. "spindle --version" prints the
same line. With --json it prints {"module", "version", "commit",
"modified", "go", "spindle"}.`),
		Example: a.ex(`  spindle version
  spindle --version
  spindle version --json | jq -r .commit`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := buildVersion()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), v.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
