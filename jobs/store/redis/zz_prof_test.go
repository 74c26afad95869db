package redis_test

import (
	"context"
	"testing"
)

func BenchmarkZZEnqueueOne(b *testing.B) {
	ctx := context.Background()
	c, _ := openClient(b)
	b.ResetTimer()
	for i := range b.N {
		if _, err := benchNoop.Enqueue(ctx, c, benchArgs{i}); err != nil {
			b.Fatal(err)
		}
	}
}
