// Package cli is the spindle command as a library: the command tree of
// cmd/spindle (demo, queue and job administration, benchmarks, shell
// completion), and the one line that gives a program holding its own job
// definitions the same commands plus worker and enqueue:
//
//	func main() { cli.Main(resize, sendMail) }
//
// For more control, build the tree with [NewCommand] and run it with
// [Execute], or add it under a command of your own.
//
// Every command reads the store URL from --store or the SPINDLE_STORE
// environment variable (sqlite:spindle.db by default), prints tables for
// people and, with --json, JSON with stable field names for scripts, and
// exits 0 when it did what was asked, 1 when the operation failed and 2
// when the command line is wrong. Errors are one line on stderr, with any
// password in the store URL masked. docs/cli.md documents every command
// and every JSON field.
package cli
