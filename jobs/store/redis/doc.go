// Package redis is the Redis job store: workers on any number of machines
// share one Redis (5.0 or newer; Sentinel or Cluster through [New]).
//
// Open it with a URL, or through jobs.Open:
//
//	s, err := redis.Open(ctx, "redis://127.0.0.1:6379/0?namespace=app")
package redis
