package jobtype

import "time"

// QueueInfo describes one queue.
type QueueInfo struct {
	Name   string
	Paused bool
	Counts map[State]int
}

// Stats summarizes a whole store.
type Stats struct {
	Counts map[State]int
	Queues int
	Oldest time.Time // EnqueuedAt of the oldest Queued job; zero if none
}
