package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Config configures the command tree [NewCommand] builds. The zero value
// gives the administration, demo and benchmark commands of the spindle
// binary. NewCommand copies what it needs; changing a Config afterwards
// does not change a tree already built.
type Config struct {
	// Name is what users type to run the command, used in help and
	// examples: "spindle", or your binary's name. When the command is
	// added under a command of your own, give the whole path
	// ("myapp jobs"). Default: the base name of os.Args[0].
	Name string
	// Short replaces the one-line description of the root command.
	Short string
	// Definitions are the jobs this binary can run. When there are any,
	// the tree gains the worker and enqueue subcommands.
	Definitions []jobs.Registrable
	// DefaultStore is the store used when neither --store nor the
	// environment variable names one. Default [jobs.DefaultURL].
	DefaultStore string
	// StoreEnv is the environment variable read for the store URL.
	// Default "SPINDLE_STORE".
	StoreEnv string
	// ClientOptions are passed to [jobs.Open] for every command, such as
	// otelspindle.Inject() to carry traces from enqueue to the worker.
	ClientOptions []jobs.Option
	// Middleware wraps every attempt the worker command runs, outermost
	// first (jobs.WorkerOptions.Middleware), such as
	// otelspindle.Middleware().
	Middleware []jobs.Middleware
	// Schedules are the periodic jobs the worker command fires
	// (jobs.WorkerOptions.Schedules), made with Definition.Cron. Every
	// worker may carry them: each tick runs once however many fire it.
	// A schedule's definition must be among Definitions.
	Schedules []*jobs.Schedule
}

// Exit codes of [Execute] and [Main].
const (
	ExitOK     = 0 // the command did what was asked
	ExitFailed = 1 // the operation failed: the store, a job, a timeout
	ExitUsage  = 2 // the command line is wrong: arguments, flags, values
)

// NewCommand returns the root of the command tree: queues, jobs, job,
// result, retry, delete, revoke, restore, revocations, purge, pause,
// resume, stats, workers, demo, bench and completion, plus worker and
// enqueue when cfg has definitions. Run it
// with [Execute], which maps errors to exit codes and prints them without
// passwords; cobra's own Execute works too but prints errors as they come.
// NewCommand panics if two definitions share a name, a programming error
// like the ones jobs.Define panics on. Each call returns a new tree; a
// tree is not safe for concurrent Execute calls.
func NewCommand(cfg Config) *cobra.Command {
	a, err := newApp(cfg)
	if err != nil {
		panic(err)
	}
	return a.root()
}

// Main runs the command tree for defs with os.Args and exits the process
// with the code of [Execute]. It is the one line a program holding job
// definitions needs:
//
//	func main() { cli.Main(resize, sendMail) }
//
// The first SIGINT or SIGTERM cancels the command's context, so a worker
// shuts down gracefully; a second one kills the process at once.
func Main(defs ...jobs.Registrable) {
	os.Exit(Execute(SignalContext(), NewCommand(Config{Definitions: defs}), os.Args[1:]))
}

// SignalContext returns a context that ends at the first SIGINT or
// SIGTERM, after which the signals' default behaviour (ending the
// process) is restored, so a second Ctrl-C stops a command whose graceful
// shutdown takes too long. Call it once per process, from main.
func SignalContext() context.Context {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx
}

// Execute runs cmd (a tree from [NewCommand], or a command of yours that
// holds one) with args and returns an exit code: [ExitOK], [ExitFailed]
// or [ExitUsage]. The commands honour ctx: when it ends, waits stop and
// workers shut down gracefully, and the command fails. A failure is
// printed as one line on cmd's error output, with any password of the
// store URL masked; usage errors add a hint to run --help rather than the
// whole usage text. Execute sets cmd's SilenceErrors, SilenceUsage and
// flag error handling, and silences go-redis's process-wide logger (its
// pool complaints would add lines to stderr that the one-line error
// already says); do not call it on one tree from two goroutines at once.
func Execute(ctx context.Context, cmd *cobra.Command, args []string) int {
	for _, d := range store.Drivers() {
		if q, ok := d.(store.ClientLogQuieter); ok {
			q.QuietClientLog()
		}
	}
	cmd.SetArgs(args)
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return Usage(err) })
	c, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if errors.As(err, new(silentFailure)) {
		return ExitFailed // the command printed the failure itself
	}
	var code int
	var ue *UsageError
	switch {
	case errors.As(err, &ue), isCobraUsageError(err):
		code = ExitUsage
		if c != nil {
			err = fmt.Errorf("%w (see %s --help)", err, c.CommandPath())
		}
	default:
		code = ExitFailed
	}
	fmt.Fprintln(cmd.ErrOrStderr(), cmd.Name()+":", oneLine(scrubError(err, c, cmd)))
	return code
}

// silentFailure ends a command that already printed why it failed.
type silentFailure struct{}

func (silentFailure) Error() string { return "failed (see above)" }

// UsageError marks an error in how a command was called: [Execute] exits
// with [ExitUsage] for it. Commands you add to the tree return one for bad
// arguments; Usage makes one.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *UsageError) Unwrap() error { return e.Err }

// Usage marks err as a usage error; nil stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

func usagef(format string, args ...any) error { return Usage(fmt.Errorf(format, args...)) }

// isCobraUsageError recognises the errors cobra itself returns for bad
// command lines (unknown commands, wrong argument counts), which carry no
// type of their own.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") ||
		strings.Contains(msg, "accepts ") && strings.Contains(msg, " arg(s)") ||
		strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag") ||
		strings.HasPrefix(msg, "required flag") || strings.Contains(msg, "invalid argument") ||
		strings.HasPrefix(msg, "if any flags in the group")
}

// oneLine keeps the error to one line: a panic's stack or a multi-line
// store message would bury the point in a terminal.
// oneLine folds a multi-line error (pgx puts the server's reason on a
// second line) into one, keeping every line: the cause is usually in the
// last one.
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}

func defaultName() string {
	if len(os.Args) == 0 {
		return "spindle"
	}
	name := filepath.Base(os.Args[0])
	return strings.TrimSuffix(name, ".exe")
}
