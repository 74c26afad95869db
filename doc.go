// Package spindle is asynchronous work for Go under one contract: everything
// you start gives you a handle you can await.
//
// A goroutine started with [Go], a [Future] resolved from a callback, and a
// durable background job (package jobs) are all [Awaitable], so [Gather],
// [Wait], [AsCompleted] and the timeout helpers work on any mix of them.
//
// Every call that blocks takes a context.Context first and returns the
// cause of that context (see [context.Cause]) when it ends, never a bare
// "context canceled" where a timeout happened: errors.Is(err, ErrTimeout)
// and errors.Is(err, context.Canceled) tell the two apart. Panics in work
// Spindle runs are recovered into a [*PanicError] and reported through the
// work's handle; they are never lost.
package spindle
