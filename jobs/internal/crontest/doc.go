// Package crontest holds the shared half of the stores' multi-process
// cron test: the tick job the worker children run, and the parent's
// scenario and checks over what the store holds afterwards. Each store
// package keeps only what differs: how it starts, kills and stops its
// worker children. It lives under jobs/internal so that nothing outside
// this module depends on it.
//
// The checks say that one every-second schedule shared by several worker
// processes, one of them killed with SIGKILL halfway, fires every tick
// once: all tick jobs share the schedule's ID part and lie on whole
// seconds, so no tick was stored twice; every tick in the window has one
// job that succeeded on its first and only run, fired and run by the
// workers; ticks after the kill were fired and run by the survivors. A
// tick the victim held when it was killed may run a second time after its
// lease expired, and only that.
package crontest
