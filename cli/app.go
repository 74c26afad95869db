package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

const (
	storeFlag       = "store"
	defaultStoreEnv = "SPINDLE_STORE"
)

// jobDef is what the commands need of a definition; every
// *jobs.Definition has it.
type jobDef interface {
	jobs.Registrable
	EnqueueJSON(ctx context.Context, c *jobs.Client, args []byte, opts ...jobs.EnqueueOption) (string, error)
	Queue() string
	ArgsType() string
}

// app is one command tree's configuration and parsed global flags.
type app struct {
	cfg            Config
	name           string // what users type, for examples
	store          string // --store, after the environment and the default
	connectTimeout time.Duration
	defs           []jobDef // sorted by name
	byName         map[string]jobDef
}

func newApp(cfg Config) (*app, error) {
	if cfg.Name == "" {
		cfg.Name = defaultName()
	}
	if cfg.DefaultStore == "" {
		cfg.DefaultStore = jobs.DefaultURL
	}
	if cfg.StoreEnv == "" {
		cfg.StoreEnv = defaultStoreEnv
	}
	a := &app{cfg: cfg, name: cfg.Name, byName: make(map[string]jobDef)}
	for _, r := range cfg.Definitions {
		if r == nil {
			return nil, errors.New("cli: nil definition")
		}
		d, ok := r.(jobDef)
		if !ok {
			return nil, fmt.Errorf("cli: definition %q (%T) is not a *jobs.Definition", r.Name(), r)
		}
		if _, dup := a.byName[d.Name()]; dup {
			return nil, fmt.Errorf("cli: two definitions named %q", d.Name())
		}
		a.byName[d.Name()] = d
		a.defs = append(a.defs, d)
	}
	sort.Slice(a.defs, func(i, j int) bool { return a.defs[i].Name() < a.defs[j].Name() })
	for i, sc := range cfg.Schedules {
		if sc == nil {
			return nil, fmt.Errorf("cli: Config.Schedules[%d] is nil", i)
		}
		if _, ok := a.byName[sc.Name()]; !ok {
			return nil, fmt.Errorf("cli: schedule %q (%s): its definition is not among Config.Definitions; add it there so the worker can run the ticks", sc.Name(), sc.Spec())
		}
	}
	return a, nil
}

// ex fills the binary's name into a help text written with "spindle".
func (a *app) ex(s string) string {
	if a.name == "spindle" {
		return s
	}
	return strings.ReplaceAll(s, "spindle ", a.name+" ")
}

func (a *app) root() *cobra.Command {
	short := a.cfg.Short
	if short == "" {
		short = "Durable jobs you can await: run, inspect and administer them"
	}
	use := a.name
	if i := strings.LastIndexByte(use, ' '); i >= 0 {
		use = use[i+1:]
	}
	root := &cobra.Command{
		Use:   use,
		Short: short,
		Long: a.ex(`spindle runs, inspects and administers Spindle's durable jobs.

Every command works against one store, named by a URL:

  sqlite:spindle.db          a SQLite file (the default; created on first use)
  sqlite:///var/lib/app.db   an absolute path
  memory:                    this process only (demo and bench)
  redis://HOST:PORT/DB       Redis (rediss:// for TLS)
  postgres://USER@HOST/DB    PostgreSQL (?schema=NAME; default spindle)

Pass it with --store or the ` + a.cfg.StoreEnv + ` environment variable. Passwords
in the URL are never printed.

Commands that read print a table, or JSON with --json (field names are
stable; see docs/cli.md). Exit codes: 0 ok, 1 the operation failed (the
store, a job, a timeout), 2 the command line is wrong.

Start with the demo, then look at what it left behind:

  spindle demo
  spindle queues
  spindle jobs --queue spindle-demo --state dead`),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		RunE:          func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	def := a.cfg.DefaultStore
	if env := os.Getenv(a.cfg.StoreEnv); env != "" {
		def = env
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.store, storeFlag, def, "the store's URL (or set "+a.cfg.StoreEnv+")")
	pf.DurationVar(&a.connectTimeout, "connect-timeout", 10*time.Second, "how long opening the store may take (0: no limit)")

	root.AddGroup(&cobra.Group{ID: "admin", Title: "Inspect and administer jobs:"})
	if len(a.defs) > 0 {
		root.AddGroup(&cobra.Group{ID: "run", Title: "Run this program's jobs:"})
	}
	root.AddGroup(&cobra.Group{ID: "try", Title: "Try and measure:"})
	for _, c := range []*cobra.Command{
		a.queuesCmd(), a.jobsCmd(), a.jobCmd(), a.resultCmd(), a.retryCmd(), a.runNowCmd(), a.deleteCmd(),
		a.revokeCmd(), a.restoreCmd(), a.revocationsCmd(),
		a.purgeCmd(), a.pauseCmd(true), a.pauseCmd(false), a.statsCmd(), a.workersCmd(),
	} {
		c.GroupID = "admin"
		root.AddCommand(c)
	}
	if len(a.defs) > 0 {
		for _, c := range []*cobra.Command{a.workerCmd(), a.enqueueCmd()} {
			c.GroupID = "run"
			root.AddCommand(c)
		}
	} else {
		w := a.noWorkerCmd()
		w.GroupID = "try"
		root.AddCommand(w)
	}
	root.Version = buildVersion().String()
	root.SetVersionTemplate("{{.Version}}\n")
	for _, c := range []*cobra.Command{a.demoCmd(), a.benchCmd(), a.versionCmd()} {
		c.GroupID = "try"
		root.AddCommand(c)
	}
	root.SetHelpCommandGroupID("try")
	root.SetCompletionCommandGroupID("try")
	return root
}

// open opens the store named by --store within --connect-timeout.
func (a *app) open(ctx context.Context) (*jobs.Client, error) {
	return a.openURL(ctx, a.store)
}

func (a *app) openURL(ctx context.Context, url string) (*jobs.Client, error) {
	if url == "" {
		return nil, usagef("--%s is empty; want a store URL such as %s", storeFlag, jobs.DefaultURL)
	}
	if a.connectTimeout < 0 {
		return nil, usagef("--connect-timeout %v: want 0 (no limit) or more", a.connectTimeout)
	}
	octx, cancel := ctx, context.CancelFunc(func() {})
	if a.connectTimeout > 0 {
		octx, cancel = context.WithTimeout(ctx, a.connectTimeout)
	}
	defer cancel()
	c, err := jobs.Open(octx, url, a.cfg.ClientOptions...)
	if err != nil {
		if ctx.Err() == nil && octx.Err() != nil {
			return nil, fmt.Errorf("cannot open store %s: no answer within %v (raise --connect-timeout if it is just slow)", jobs.RedactURL(url), a.connectTimeout)
		}
		return nil, err
	}
	return c, nil
}

// withClient opens an existing store, runs fn and closes the store. It
// refuses to create a SQLite file: an administration command run in the
// wrong directory should say so, not leave an empty database behind.
func (a *app) withClient(cmd *cobra.Command, fn func(ctx context.Context, c *jobs.Client) error) error {
	return a.withStore(cmd, false, fn)
}

// withStore opens the store, creating it if create is set, runs fn and
// closes the store.
func (a *app) withStore(cmd *cobra.Command, create bool, fn func(ctx context.Context, c *jobs.Client) error) error {
	ctx := cmd.Context()
	if !create && sqliteFileMissing(a.store) {
		return fmt.Errorf("no store at %s: the file does not exist (run in the directory that holds it, or name it with --%s or %s; demo, worker and enqueue create it)", jobs.RedactURL(a.store), storeFlag, a.cfg.StoreEnv)
	}
	c, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(ctx, c)
}

// storeErr words a failed store call: what was being done, on which store,
// with job-level failures said plainly.
// jobIsRE finds the state a store names in its refusal ("job is queued").
var jobIsRE = regexp.MustCompile(`job is ([a-z]+)`)

func (a *app) storeErr(what, id string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound) && id != "":
		return fmt.Errorf("no job with ID %s in %s: it never existed, was deleted or purged, was pruned after its retention, or an Await with jobs.Consume consumed its result", id, jobs.RedactURL(a.store))
	case errors.Is(err, store.ErrFinal) && id != "":
		return fmt.Errorf("%s %s: the job has already finished (see \"job %s\")", what, id, id)
	case errors.Is(err, store.ErrNotFinal) && id != "":
		state := "waiting"
		if m := jobIsRE.FindStringSubmatch(err.Error()); m != nil {
			state = m[1]
		}
		return fmt.Errorf("%s %s: the job is %s, not finished; start a job waiting for a delay or a backoff with run-now, stop a running one with revoke", what, id, state)
	case errors.Is(err, jobs.ErrNotScheduled) && id != "":
		state := "not waiting"
		if m := jobIsRE.FindStringSubmatch(err.Error()); m != nil {
			state = m[1]
		}
		return fmt.Errorf("%s %s: the job is %s, not waiting for a delay or a backoff; retry a finished one with retry", what, id, state)
	case errors.Is(err, store.ErrRunning) && id != "":
		return fmt.Errorf("%s %s: the job is running; it can be changed once it finishes", what, id)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: interrupted", what)
	}
	// The inspector's errors repeat the verb ("jobs: retry ID: ... can be
	// retried"); the command already says it once.
	if id != "" && strings.HasPrefix(err.Error(), "jobs: "+what+" "+id+": ") {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
	}
	if id != "" {
		what += " " + id
	}
	return fmt.Errorf("%s (store %s): %w", what, jobs.RedactURL(a.store), err)
}
