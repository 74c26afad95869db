package spindle

import (
	"context"
	"testing"
)

// BenchmarkQueue compares Queue with a buffered channel, the baseline, in the
// same run. "uncontended" is one goroutine putting then getting (the
// non-blocking path); "pingpong" is a producer and a consumer goroutine
// through a small buffer, so both block at times.
func BenchmarkQueue(b *testing.B) {
	ctx := context.Background()
	b.Run("uncontended/chan", func(b *testing.B) {
		ch := make(chan int, 64)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			ch <- i
			<-ch
		}
	})
	b.Run("uncontended/queue", func(b *testing.B) {
		q := NewQueue[int](64)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = q.Put(ctx, i)
			_, _ = q.Get(ctx)
		}
	})
	b.Run("uncontended/lifo", func(b *testing.B) {
		q := NewLifoQueue[int](64)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = q.Put(ctx, i)
			_, _ = q.Get(ctx)
		}
	})
	b.Run("uncontended/priority", func(b *testing.B) {
		q := NewPriorityQueue(64, func(a, b int) bool { return a < b })
		for i := range 32 {
			_ = q.TryPut(i)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = q.Put(ctx, i&63)
			_, _ = q.Get(ctx)
		}
	})
	b.Run("pingpong/chan", func(b *testing.B) {
		ch := make(chan int, 16)
		done := make(chan struct{})
		go func() {
			for range ch {
			}
			close(done)
		}()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			ch <- i
		}
		close(ch)
		<-done
	})
	b.Run("pingpong/queue", func(b *testing.B) {
		q := NewQueue[int](16)
		done := make(chan struct{})
		go func() {
			for range q.All(ctx) {
			}
			close(done)
		}()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = q.Put(ctx, i)
		}
		q.Shutdown(false)
		<-done
	})
}
