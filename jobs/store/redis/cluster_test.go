package redis_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/redis"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// startCluster starts a three-node Redis Cluster (masters only) on free
// loopback ports and returns the nodes' addresses.
func startCluster(t *testing.T) []string {
	t.Helper()
	redisURL(t) // Redis tests run only where Redis is set up
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed: the Cluster test is skipped")
	}
	var addrs []string
	for i := range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		dir := t.TempDir()
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--appendonly", "no", "--save", "", "--logfile", filepath.Join(dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		addrs = append(addrs, addr)
		c := goredis.NewClient(&goredis.Options{Addr: addr})
		defer c.Close()
		for try := 0; ; try++ {
			if c.Ping(context.Background()).Err() == nil {
				break
			}
			if try > 500 {
				t.Fatalf("cluster node %d did not start", i)
			}
			time.Sleep(10 * time.Millisecond)
		}
		lo, hi := i*16384/3, (i+1)*16384/3-1
		if err := c.Do(context.Background(), "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	first := goredis.NewClient(&goredis.Options{Addr: addrs[0]})
	defer first.Close()
	for _, a := range addrs[1:] {
		host, port, _ := net.SplitHostPort(a)
		if err := first.ClusterMeet(ctx, host, port).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range addrs {
		c := goredis.NewClient(&goredis.Options{Addr: a})
		for try := 0; ; try++ {
			info, _ := c.ClusterInfo(ctx).Result()
			if strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3") {
				break
			}
			if try > 1000 {
				log, _ := os.ReadFile(filepath.Join(filepath.Dir(a), "redis.log"))
				t.Fatalf("cluster did not form: %s\n%s", info, log)
			}
			time.Sleep(10 * time.Millisecond)
		}
		c.Close()
	}
	return addrs
}

// TestCluster runs the conformance suite on a three-node Redis Cluster
// through a ClusterClient: every script of a namespace runs on the node
// that owns the namespace's slot, and events reach subscribers on any
// node.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	addrs := startCluster(t)
	rdb := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs, Protocol: 2, MaxRetries: -1})
	defer rdb.Close()
	n := 0
	storetest.Run(t, func(t *testing.T) store.Store {
		n++
		s, err := redis.New(context.Background(), rdb, redis.WithNamespace(fmt.Sprintf("cluster-%d", n)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
