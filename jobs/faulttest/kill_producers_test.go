//go:build fault

package faulttest

import (
	"syscall"
	"testing"

	"github.com/spindlehq/spindle/internal/servertest"
)

// Concurrent producers SIGKILL: a producer process runs one client with
// 64 goroutines, each enqueuing one job at a time and acknowledging it
// as TestProducerSIGKILL does, so that the client's group commit makes
// writes carrying many calls, each of which must return only once its
// own job is stored. The process is killed at a random moment, 10 times;
// every acknowledged job must be in the store, and the jobs stored but
// not acknowledged must be no more than the calls the kills left
// unanswered.
//
// Redis is a private server with appendonly everysec, as the restart
// test configures it, and is itself killed (SIGKILL) and restarted after
// the last kill: an acknowledged job must survive that too. PostgreSQL
// commits with synchronous_commit on, set in the URL so the server's
// default does not matter.
const concurrentProducers = 64

var manyProducers = producerKill{
	fault: "producers64-sigkill", producers: concurrentProducers, kills: 10,
	minAcks: 200, spreadAcks: 2000,
}

func TestProducersSIGKILL(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		pk := manyProducers
		var url string
		switch sk.name {
		case "memory":
			t.Skip("the memory store lives in one process: killing the producer kills the store")
		case "redis":
			servertest.URL(t, servertest.RedisEnv) // the row runs where Redis is set up
			srv := startRedis(t)
			url = srv.url()
			requireScheme(t, url, "redis")
			pk.restart = func(t *testing.T) { srv.restart(t, syscall.SIGKILL, 0) }
			pk.extra = []any{"appendfsync", "everysec"}
		case "postgres":
			url = servertest.WithParam(t, sk.url(t), "synchronous_commit", "on")
			pk.extra = []any{"synchronous_commit", "on"}
		default:
			url = sk.url(t)
		}
		testProducerSIGKILL(t, sk.name, url, pk)
	})
}
