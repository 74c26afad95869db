// Package jobtype holds the types a user of package jobs reads: a job's
// [State], the [Job] view the inspector returns, an [AttemptError] of its
// history, queue counts and store statistics, and the errors that
// administrative calls wrap. It has no behaviour and no dependencies, so
// programs, tools and drivers can all share it; nothing here needs the
// store contract in package jobs/store.
//
// Every type is a plain value: safe to copy and to read from many
// goroutines once built.
package jobtype
