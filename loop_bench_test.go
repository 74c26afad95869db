package spindle

import (
	"context"
	"sync"
	"testing"
)

// BenchmarkLoopCallSoon measures handing work to a running loop from other
// goroutines (b.RunParallel), against the usual Go baseline: a goroutine
// draining a buffered channel of funcs, measured in the same run. Each op
// schedules one callback; the benchmark ends when the last one has run.
func BenchmarkLoopCallSoon(b *testing.B) {
	b.Run("chan", func(b *testing.B) {
		work := make(chan func(), 1024)
		done := make(chan struct{})
		go func() {
			for fn := range work {
				fn()
			}
			close(done)
		}()
		var n int // touched only by the draining goroutine
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				work <- func() { n++ }
			}
		})
		close(work)
		<-done
	})
	b.Run("loop", func(b *testing.B) {
		l := NewLoop()
		var wg sync.WaitGroup
		wg.Go(func() { _ = l.RunForever(context.Background()) })
		var n int // touched only by loop callbacks
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.CallSoon(func() { n++ })
			}
		})
		l.CallSoon(l.Stop)
		wg.Wait()
	})
	b.Run("loop/self", func(b *testing.B) {
		// Scheduling from inside a callback: no wake-up, no contention.
		l := NewLoop()
		i := 0
		var step func()
		step = func() {
			i++
			if i >= b.N {
				l.Stop()
				return
			}
			l.CallSoon(step)
		}
		b.ReportAllocs()
		b.ResetTimer()
		l.CallSoon(step)
		_ = l.RunForever(context.Background())
	})
}
