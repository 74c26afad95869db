package redis_test

// BenchmarkCost measures what one job costs Redis and the client, in CPU
// time, on a private redis-server (no fsync), so the figures hold on a
// machine shared with other work, where wall time does not:
//
//	go test -run '^$' -bench Cost -benchtime 1x -count 5 ./jobs/store/redis/
//
// "store" is this package's Lua scripts (insert one by one, claim and
// finish in batches of 32, get); "streams" is the bare minimum a Redis
// Streams design would pay for the same flow (XADD, XREADGROUP COUNT 32,
// then XACK, XDEL and a result hash, pipelined), before the job hash,
// priorities, delays, owner checks and de-duplication the contract needs
// on top. Each phase reports Redis's CPU time (redis_us), the time it
// spent executing the commands (exec_us: the CPU time less the sockets'
// reads, writes and polling) and the client's CPU time, per job. doc.go
// quotes them.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/redis"
)

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// costMeter reports Redis and client CPU per job between marks, and the
// time Redis spent executing the commands (from INFO commandstats), which
// leaves out the reading, writing and polling of sockets: on a virtual
// machine their cost in the kernel varies with how idle the machine is,
// while the execution time follows the work the commands do.
type costMeter struct {
	b      *testing.B
	ps     *servertest.RedisServer
	rc, cc time.Duration
}

func (m *costMeter) start() {
	if err := m.ps.Client().ConfigResetStat(context.Background()).Err(); err != nil {
		m.b.Fatal(err)
	}
	m.rc, m.cc = m.ps.CPU(), selfCPU()
}

func (m *costMeter) report(name string, n int) {
	rc, cc := m.ps.CPU(), selfCPU()
	m.b.ReportMetric(float64(rc-m.rc)/1e3/float64(n), name+"_redis_us")
	m.b.ReportMetric(float64(cc-m.cc)/1e3/float64(n), name+"_client_us")
	m.b.ReportMetric(m.execTime().Seconds()*1e6/float64(n), name+"_exec_us")
	m.start()
}

// execTime sums the execution time of the commands clients sent: the
// scripts when there were any (the commands they call are counted on
// their own lines too), else every command but the meter's own.
func (m *costMeter) execTime() time.Duration {
	info, err := m.ps.Client().Info(context.Background(), "commandstats").Result()
	if err != nil {
		m.b.Fatal(err)
	}
	var scripts, others float64
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "cmdstat_"), ":")
		if !ok || !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		var usec float64
		for kv := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(kv, "usec="); ok {
				usec, _ = strconv.ParseFloat(v, 64)
			}
		}
		switch {
		case name == "evalsha" || name == "eval":
			scripts += usec
		case name == "info" || strings.HasPrefix(name, "config") || name == "hello" || strings.HasPrefix(name, "client"):
		default:
			others += usec
		}
	}
	if scripts > 0 {
		return time.Duration(scripts * 1e3)
	}
	return time.Duration(others * 1e3)
}

const costN = 20000

func BenchmarkCost(b *testing.B) {
	b.Run("store", func(b *testing.B) {
		for range b.N {
			ps := servertest.StartRedis(b)
			ctx := context.Background()
			if err := ps.Client().ConfigSet(ctx, "appendonly", "no").Err(); err != nil {
				b.Fatal(err)
			}
			s, err := redis.Open(ctx, ps.URL())
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now().UTC()
			m := &costMeter{b: b, ps: ps}
			m.start()
			for i := range costN {
				j := &store.Job{ID: fmt.Sprintf("01JBENCH%018d", i), Name: "bench.noop", Queue: "default", Args: []byte(`{"n":12345}`),
					State: store.Queued, MaxAttempts: 25, RunAt: now, EnqueuedAt: now}
				if _, err := s.Insert(ctx, []*store.Job{j}); err != nil {
					b.Fatal(err)
				}
			}
			m.report("insert", costN)
			var outs []store.Outcome
			for len(outs) < costN {
				got, err := s.Claim(ctx, store.ClaimRequest{Queues: []string{"default"}, Limit: 32, Owner: "host-1234-abcdef01", Now: now, LeaseUntil: now.Add(30 * time.Second)})
				if err != nil {
					b.Fatal(err)
				}
				for _, j := range got {
					outs = append(outs, store.Outcome{ID: j.ID, Owner: j.LeaseOwner, State: store.Succeeded, Result: []byte(`{}`), FinishedAt: now, RetainUntil: now.Add(7 * 24 * time.Hour)})
				}
			}
			m.report("claim", costN)
			for i := 0; i < len(outs); i += 32 {
				if _, err := s.Finish(ctx, outs[i:min(i+32, len(outs))]); err != nil {
					b.Fatal(err)
				}
			}
			m.report("finish", costN)
			for i := range costN / 10 {
				if _, err := s.Get(ctx, outs[i].ID); err != nil {
					b.Fatal(err)
				}
			}
			m.report("get", costN/10)
			s.Close()
			ps.Kill()
		}
		b.ReportMetric(0, "ns/op")
	})
	b.Run("streams", func(b *testing.B) {
		for range b.N {
			ps := servertest.StartRedis(b)
			ctx := context.Background()
			c := ps.Client()
			if err := c.ConfigSet(ctx, "appendonly", "no").Err(); err != nil {
				b.Fatal(err)
			}
			c = goredis.NewClient(&goredis.Options{Addr: c.Options().Addr, Protocol: 2})
			defer c.Close()
			if err := c.XGroupCreateMkStream(ctx, "s", "g", "0").Err(); err != nil {
				b.Fatal(err)
			}
			m := &costMeter{b: b, ps: ps}
			m.start()
			for i := range costN {
				err := c.XAdd(ctx, &goredis.XAddArgs{Stream: "s", Values: []any{"id", fmt.Sprintf("01JBENCH%018d", i),
					"n", "bench.noop", "a", `{"n":12345}`, "m", "25"}}).Err()
				if err != nil {
					b.Fatal(err)
				}
			}
			m.report("insert", costN)
			var ids []string
			for len(ids) < costN {
				res, err := c.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "w", Streams: []string{"s", ">"}, Count: 32}).Result()
				if err != nil {
					b.Fatal(err)
				}
				for _, msg := range res[0].Messages {
					ids = append(ids, msg.ID)
				}
			}
			m.report("claim", costN)
			for i := 0; i < len(ids); i += 32 {
				batch := ids[i:min(i+32, len(ids))]
				p := c.Pipeline()
				p.XAck(ctx, "s", "g", batch...)
				p.XDel(ctx, "s", batch...)
				for _, id := range batch {
					p.HSet(ctx, "r:"+id, "s", "succeeded", "r", "{}")
				}
				if _, err := p.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			m.report("finish", costN)
			ps.Kill()
		}
		b.ReportMetric(0, "ns/op")
	})
}
