package cli

import (
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs/store"
)

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.HasAvailableSubCommands() {
			return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
		}
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}

// exactArgs wants n arguments, named in the error.
func exactArgs(n int, names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s needs %s, got %d argument%s", cmdName(cmd), strings.Join(names, " and "), len(args), plural(len(args)))
		}
		return nil
	}
}

// minArgs wants at least n arguments.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s needs %s", cmdName(cmd), what)
		}
		return nil
	}
}

// cmdName is the command as typed after the program's name ("bench q1").
func cmdName(cmd *cobra.Command) string {
	if p := pathFromRoot(cmd); len(p) > 0 {
		return strings.Join(p, " ")
	}
	return cmd.Name()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func stateNames() []string {
	out := make([]string, len(store.States))
	for i, s := range store.States {
		out[i] = string(s)
	}
	return out
}

// parseState checks a --state value; "" and (when all is true) "all" mean
// every state.
func parseState(s string, all bool) (store.State, error) {
	st := store.State(strings.ToLower(strings.TrimSpace(s)))
	if st == "" || (all && st == "all") {
		return "", nil
	}
	if !st.Valid() {
		accepted := strings.Join(stateNames(), ", ")
		if all {
			accepted += ", all"
		}
		return "", usagef("--state %q is not a job state; accepted: %s", s, accepted)
	}
	return st, nil
}

// queueRE is the rule jobs.Queue applies to queue names.
var queueRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$`)

func checkQueue(what, q string) error {
	if !queueRE.MatchString(q) {
		return usagef("%s %q is not a queue name: want 1 to 128 letters, digits and _ . : / -, starting with a letter or digit", what, q)
	}
	return nil
}

// checkJobName checks a definition name by the rule of jobs.Define,
// which is the queue names' rule.
func checkJobName(what, name string) error {
	if !queueRE.MatchString(name) {
		return usagef("%s %q is not a job name: want 1 to 128 letters, digits and _ . : / -, starting with a letter or digit", what, name)
	}
	return nil
}

// jobIDRE accepts what a job ID can look like; the store decides whether
// it exists. It catches a flag or a state typed where an ID belongs.
var jobIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$`)

func checkID(id string) error {
	if !jobIDRE.MatchString(id) {
		return usagef("%q is not a job ID (IDs look like %s; list them with \"jobs\")", id, "01JABCDEFGHJKMNPQRSTVWXYZ0")
	}
	return nil
}

// definitionNames lists the names a binary can enqueue, for errors.
func (a *app) definitionNames() string {
	names := make([]string, len(a.defs))
	for i, d := range a.defs {
		names[i] = d.Name()
	}
	return strings.Join(names, ", ")
}

func (a *app) definition(name string) (jobDef, error) {
	d, ok := a.byName[name]
	if !ok {
		return nil, usagef("no job named %q in this binary; it defines: %s", name, a.definitionNames())
	}
	return d, nil
}
