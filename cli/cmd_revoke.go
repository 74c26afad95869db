package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// idStateJSON is one job that revoke or restore changed, with its state
// afterwards.
type idStateJSON struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// revocationJSON is one revocation by name.
type revocationJSON struct {
	Name   string     `json:"name"`
	Reason string     `json:"reason"`
	Once   bool       `json:"once"`
	Until  *time.Time `json:"until"`
}

type restoredJSON struct {
	Name     string `json:"name"`
	Restored bool   `json:"restored"`
}

func toRevocationJSON(r jobs.Revocation) revocationJSON {
	return revocationJSON{Name: r.Name, Reason: r.Reason, Once: r.Once, Until: timePtr(r.Until)}
}

func (a *app) revokeCmd() *cobra.Command {
	var (
		name, reason, until string
		once, asJSON        bool
	)
	cmd := &cobra.Command{
		Use:   "revoke ID... | revoke --name NAME [--until T | --once]",
		Short: "Cancel jobs by ID, or every job of a definition by name",
		Long: a.ex(`revoke cancels jobs.

With job IDs, each job is revoked: one that has not started becomes
canceled at once and never runs; a running one has its context cancelled
and ends canceled when its handler returns (every store pushes the revoke
to the job's worker, whatever process it runs in, within milliseconds). A
job that already finished cannot be revoked. Each ID is printed as
"revoked ID", with "(running: its worker stops it)" for a running job, as
the revoke itself reports. "restore ID" puts a revoked job back in its
queue.

With --name, every job of that definition that a worker claims from now on
is canceled instead of run, until "restore --name", until --until (a time,
RFC 3339, or a duration from now such as 2h), or, with --once, for the next
job only. Jobs already running go on; workers refresh revocations about
once a second. Revoking a name again replaces its revocation.

--reason is recorded as the canceled jobs' error (by ID, "revoked with
spindle revoke" when none is given). With --json, IDs print
[{"id", "state"}] (state after the revoke: canceled, or running while its
worker stops it) and --name prints the revocation {"name", "reason",
"once", "until"}.`),
		Example: a.ex(`  spindle revoke 01JABCDEFGHJKMNPQRSTVWXYZ0 --reason "customer cancelled"
  spindle jobs --state queued --queue images --json | jq -r '.jobs[].id' | xargs spindle revoke
  spindle revoke --name images.resize --until 2h --reason "thumbnailer broken"
  spindle revoke --name reports.build --once`),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			if name == "" {
				if f.Changed("until") || once {
					return usagef("--until and --once apply to revoking by --name")
				}
				if len(args) == 0 {
					return usagef("revoke needs job IDs, or --name NAME")
				}
				if strings.TrimSpace(reason) == "" {
					reason = "revoked with " + a.name + " revoke"
				}
				return a.eachJob(cmd, args, asJSON, "revoke", func(ctx context.Context, in *jobs.Inspector, id string) (string, error) {
					// Revoke says what it did: canceled (the job had not
					// started) or running (its worker stops it).
					st, err := in.Revoke(ctx, id, reason)
					if err != nil {
						return "", err
					}
					return string(st), nil
				})
			}
			if len(args) > 0 {
				return usagef("give job IDs or --name, not both")
			}
			if err := checkJobName("--name", name); err != nil {
				return err
			}
			if f.Changed("until") && once {
				return usagef("--until and --once cannot be combined: --once ends with the next job, --until at a time")
			}
			o := jobs.RevokeAllOptions{Reason: reason, Once: once}
			if f.Changed("until") {
				t, err := parseUntil(until, time.Now())
				if err != nil {
					return err
				}
				o.Until = t
			}
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				in := c.Inspect()
				if err := in.RevokeAll(ctx, name, o); err != nil {
					return a.storeErr("revoke --name "+name, "", err)
				}
				if asJSON {
					rv := jobs.Revocation{Name: name, Reason: reason, Once: once, Until: o.Until}
					return writeJSON(cmd.OutOrStdout(), toRevocationJSON(rv))
				}
				out := cmd.OutOrStdout()
				switch {
				case once:
					fmt.Fprintf(out, "revoked the next job of %s\n", name)
				case !o.Until.IsZero():
					fmt.Fprintf(out, "revoked every job of %s until %s\n", name, o.Until.UTC().Format(time.RFC3339))
				default:
					fmt.Fprintf(out, "revoked every job of %s until \"restore --name %s\"\n", name, name)
				}
				return nil
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "revoke every job of this definition name instead of jobs by ID")
	fl.StringVar(&reason, "reason", "", "why, recorded as the canceled jobs' error")
	fl.StringVar(&until, "until", "", "with --name: end the revocation at this time (RFC 3339) or after this duration (2h)")
	fl.BoolVar(&once, "once", false, "with --name: revoke only the next job of the definition")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	a.completeJobNameFlag(cmd, "name", false)
	return cmd
}

func (a *app) restoreCmd() *cobra.Command {
	var (
		name   string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "restore ID... | restore --name NAME",
		Short: "Undo a revoke: requeue canceled jobs, or end a revocation by name",
		Long: a.ex(`restore undoes "revoke".

With job IDs, each canceled job (revoked, or skipped by its lock) is put
back in its queue, ready now, with a fresh attempt budget. A job in any
other state is refused: "retry" re-runs dead, expired and succeeded jobs.

With --name, the revocation of that definition ends: workers run its jobs
again (within about a second). Jobs it already canceled stay canceled;
restore them by ID. A name with no revocation in force is an error.

With --json, IDs print [{"id", "state"}] and --name prints {"name",
"restored"}.`),
		Example: a.ex(`  spindle restore 01JABCDEFGHJKMNPQRSTVWXYZ0
  spindle restore --name images.resize
  spindle jobs --state canceled --name images.resize --json | jq -r '.jobs[].id' | xargs spindle restore`),
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				if len(args) == 0 {
					return usagef("restore needs job IDs, or --name NAME")
				}
				return a.eachJob(cmd, args, asJSON, "restore", func(ctx context.Context, in *jobs.Inspector, id string) (string, error) {
					// One atomic store operation: it checks the state
					// and reports it when it refuses.
					st, err := in.Restore(ctx, id)
					if errors.Is(err, store.ErrNotCanceled) {
						hint := `use "retry" to run it again`
						if !st.Final() {
							hint = "it has not finished"
						}
						return "", fmt.Errorf("restore %s: the job is %s, and only canceled jobs can be restored (%s)", id, st, hint)
					}
					if err != nil {
						return "", err
					}
					return string(st), nil
				})
			}
			if len(args) > 0 {
				return usagef("give job IDs or --name, not both")
			}
			if err := checkJobName("--name", name); err != nil {
				return err
			}
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				ok, err := c.Inspect().RestoreAll(ctx, name)
				if err != nil {
					return a.storeErr("restore --name "+name, "", err)
				}
				if !ok {
					return fmt.Errorf("no revocation of %s is in force (list them with \"revocations\")", name)
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), restoredJSON{Name: name, Restored: true})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "restored %s: workers run its jobs again\n", name)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "end the revocation of this definition name instead of restoring jobs by ID")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.completeJobNameFlag(cmd, "name", true)
	return cmd
}

func (a *app) revocationsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "revocations",
		Short: "List the revocations by name in force",
		Long: a.ex(`revocations lists the definitions revoked with "revoke --name": their
reason, whether only the next job is revoked (once), and when the
revocation ends ("until restored" when it lasts until "restore --name").

With --json it prints [{"name", "reason", "once", "until"}]; until is null
for a revocation that lasts until restored.`),
		Example: a.ex(`  spindle revocations
  spindle revocations --json | jq -r '.[].name'`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				rs, err := c.Inspect().Revocations(ctx)
				if err != nil {
					return a.storeErr("list revocations", "", err)
				}
				out := cmd.OutOrStdout()
				if asJSON {
					list := make([]revocationJSON, len(rs))
					for i, r := range rs {
						list[i] = toRevocationJSON(r)
					}
					return writeJSON(out, list)
				}
				if len(rs) == 0 {
					fmt.Fprintln(out, "no revocations by name")
					return nil
				}
				now := time.Now()
				t := newTable(out, "NAME", "UNTIL", "ONCE", "REASON")
				for _, r := range rs {
					until := "restored"
					if !r.Until.IsZero() {
						until = r.Until.UTC().Format(time.RFC3339) + " (" + ago(r.Until, now) + ")"
					}
					once := "-"
					if r.Once {
						once = "once"
					}
					t.row(r.Name, until, once, orDash(clipText(r.Reason, 60)))
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

// eachJob applies op to each job ID, printing "DONE ID" per job (or a
// JSON array of {"id", "state"}, state being what op returns). A failure
// is printed on stderr and the rest still run; then it exits 1.
func (a *app) eachJob(cmd *cobra.Command, ids []string, asJSON bool, verb string, op func(ctx context.Context, in *jobs.Inspector, id string) (state string, err error)) error {
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return err
		}
	}
	return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
		failed := 0
		done := []idStateJSON{}
		for _, id := range ids {
			st, err := op(ctx, c.Inspect(), id)
			if err == nil {
				done = append(done, idStateJSON{ID: id, State: st})
				if !asJSON {
					line := verb + "d " + id
					if st == string(store.Running) {
						line += " (running: its worker stops it)"
					}
					fmt.Fprintln(cmd.OutOrStdout(), line)
				}
				continue
			}
			err = a.jobErr(verb, id, err)
			if ctx.Err() != nil || len(ids) == 1 {
				return err
			}
			failed++
			fmt.Fprintln(cmd.ErrOrStderr(), a.name+":", oneLine(jobs.RedactURL(err.Error(), a.store)))
		}
		if asJSON {
			if err := writeJSON(cmd.OutOrStdout(), done); err != nil {
				return err
			}
		}
		if failed > 0 {
			return fmt.Errorf("could not %s %d of %d jobs (see above)", verb, failed, len(ids))
		}
		return nil
	})
}

// jobErr words a failure of an operation on one job: the store's
// job-level errors plainly, an error of this package's own as it is.
func (a *app) jobErr(verb, id string, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrFinal) || errors.Is(err, store.ErrRunning) || errors.Is(err, context.Canceled) {
		return a.storeErr(verb, id, err)
	}
	if strings.HasPrefix(err.Error(), verb+" "+id+":") {
		return err
	}
	return a.storeErr(verb, id, err)
}

// parseUntil reads --until: an RFC 3339 time, or a duration from now.
func parseUntil(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, usagef("--until %q: want a duration of more than 0, or a time", s)
		}
		return now.Add(d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("--until %q: want a time in RFC 3339 (2030-01-02T15:04:05Z) or a duration from now (90m, 2h)", s)
	}
	if !t.After(now) {
		return time.Time{}, usagef("--until %s is not in the future", s)
	}
	return t, nil
}
