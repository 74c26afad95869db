package redis

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Every helper a script calls must be in it: Redis refuses a call to an
// undefined global only when the line runs, which a rare path may not.
func TestScriptsCarryTheirHelpers(t *testing.T) {
	scripts := map[string]string{
		"insert": scriptInsert, "claim": scriptClaim, "finish": scriptFinish, "extend": scriptExtend,
		"recover": scriptRecover, "revoke": scriptRevoke, "revokeRequests": scriptRevokeRequests,
		"wake": scriptWake, "retry": scriptRetry, "delete": scriptDelete, "purge": scriptPurge,
		"prune": scriptPrune, "list": scriptList, "queues": scriptQueues, "oldest": scriptOldest,
		"acquire": scriptAcquire, "release": scriptRelease, "leases": scriptLeases, "count": scriptCount,
		"among": scriptAmong, "insertReady": scriptInsertReady,
	}
	for name, src := range scripts {
		for _, h := range luaHelpers {
			calls := regexp.MustCompile(`(^|[^\w.])` + h.name + `\(`).MatchString(src)
			defined := strings.Contains(src, "local function "+h.name+"(")
			if calls && !defined {
				t.Errorf("script %s calls %s but does not define it", name, h.name)
			}
		}
	}
}

func TestLuaUnknownHelperPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("lua with an unknown helper did not panic")
		}
	}()
	lua("return 1", "nosuchhelper")
}

// Insert computes ready members in Go; the scripts recompute them in Lua
// (rmember) to remove or re-add a job: the two must agree.
func TestReadyMemberMatchesLua(t *testing.T) {
	url := os.Getenv("SPINDLE_REDIS_URL")
	if url == "" {
		t.Skip("SPINDLE_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0): Redis store tests skipped")
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	sc := goredis.NewScript(lua(`return rmember(ARGV[2], ARGV[3])`, "rmember"))
	for _, at := range []time.Time{
		{}, time.UnixMilli(0), time.UnixMilli(-5), time.UnixMilli(1), time.UnixMilli(1795298548555),
		time.UnixMilli(maxReadyRunAt), time.UnixMilli(maxReadyRunAt + 1), time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC),
	} {
		score := "0"
		if !at.IsZero() {
			score = msAlways(at)
		}
		got, err := sc.Run(context.Background(), c, []string{"{spindle-test-member}:all"}, "{spindle-test-member}:", score, "01JID").Text()
		if err != nil {
			t.Fatal(err)
		}
		if want := readyMember(at, "01JID"); got != want {
			t.Errorf("RunAt %v: Lua member %q, Go member %q", at, got, want)
		}
	}
}
