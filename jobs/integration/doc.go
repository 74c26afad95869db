// Package integration holds the tests of package jobs that run on every
// store: memory in a synctest bubble, a SQLite file, and Redis and
// PostgreSQL when SPINDLE_REDIS_URL and SPINDLE_POSTGRES_URL name a
// server. It is a module of its own so that the core module, which users
// import, requires no driver: run it with go test from the repository
// root (go test work) or from this directory.
package integration
