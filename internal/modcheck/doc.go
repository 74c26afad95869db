// Package modcheck holds a test of the repository's module layout, as a
// user's module sees it: which modules a program that imports one part
// of Spindle pulls into its build list. It has no code of its own.
package modcheck
