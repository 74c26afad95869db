package redis

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// FuzzOutcomeArgs: whatever error text and result an outcome holds, the
// finish script's arguments, stored the way the script stores them (r,
// le, and er through adderr) and read back by setField, give the result
// byte for byte and the error text as storetext.Clean makes it, in
// LastError and in the history alike.
func FuzzOutcomeArgs(f *testing.F) {
	f.Add("upstream said: \x00", []byte(`"ok"`), true)
	f.Add("bad \xff\xfe \" \\ \n", []byte("\x00\xff"), false)
	f.Add("", []byte(nil), true)
	f.Fuzz(func(t *testing.T, errText string, result []byte, failed bool) {
		at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		o := store.Outcome{ID: "j", Owner: "w", State: store.Succeeded, Result: result, FinishedAt: at}
		if failed {
			o = store.Outcome{ID: "j", Owner: "w", State: store.Dead, Error: errText, FinishedAt: at}
		}
		args := appendOutcome(nil, o)
		if len(args) != 10 {
			t.Fatalf("%d arguments, want the 10 the script reads", len(args))
		}
		res, ej, et, atText := args[3].(string), args[4].(string), args[5].(string), args[6].(string)
		j := &store.Job{ID: "j"}
		if !failed {
			if res != "" { // the script stores no empty result
				if err := setField(j, fResult, res); err != nil {
					t.Fatal(err)
				}
			}
			if string(j.Result) != string(result) {
				t.Fatalf("result %q read back as %q", result, j.Result)
			}
			return
		}
		// adderr, as the script writes it.
		er := `[{"attempt":1,"at":"` + atText + `","error":` + ej + `}]`
		if err := setField(j, fLastError, et); err != nil {
			t.Fatal(err)
		}
		if err := setField(j, fErrors, er); err != nil {
			t.Fatalf("history %q: %v", er, err)
		}
		want := storetext.Clean(errText)
		if j.LastError != want || len(j.Errors) != 1 || j.Errors[0].Error != want || !j.Errors[0].At.Equal(at) {
			t.Fatalf("error %q read back as %q, %+v; want %q", errText, j.LastError, j.Errors, want)
		}
	})
}

// FuzzJobFields: a job's hash fields, as appendJobFields writes them and
// jobFromPairs reads them, keep arguments, result, metadata and text as
// they were: Redis strings are bytes.
func FuzzJobFields(f *testing.F) {
	f.Add([]byte(`{"n":1}`), []byte("\x00\xff"), []byte(`{}`), "boom \x00")
	f.Add([]byte(nil), []byte(nil), []byte(nil), "")
	f.Fuzz(func(t *testing.T, args, result, meta []byte, lastError string) {
		in := &store.Job{ID: "j", Name: "n", MaxAttempts: 1, Args: args, Result: result, Meta: meta, LastError: lastError}
		fields, err := appendJobFields(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		pairs := make([]any, len(fields))
		copy(pairs, fields)
		out, err := jobFromPairs("j", pairs)
		if err != nil {
			t.Fatal(err)
		}
		if string(out.Args) != string(args) || string(out.Result) != string(result) || string(out.Meta) != string(meta) || out.LastError != lastError {
			t.Fatalf("job %+v read back as %+v", in, out)
		}
	})
}

// replyErr is an error reply as go-redis returns it.
type replyErr string

func (e replyErr) Error() string { return string(e) }
func (replyErr) RedisError()     {}

// A script that failed on its data is rejected; a server that is
// loading, busy, out of memory or read-only, and a connection that
// failed, are not: a repeat may pass.
func TestRejectedReply(t *testing.T) {
	for msg, want := range map[string]bool{
		"ERR user_script:1: Script attempted to access nonexistent global variable": true,
		"ERR string exceeds maximum allowed size (proto-max-bulk-len)":              true,
		"WRONGTYPE Operation against a key holding the wrong kind of value":         true,
		"LOADING Redis is loading the dataset in memory":                            false,
		"BUSY Redis is busy running a script":                                       false,
		"OOM command not allowed when used memory > 'maxmemory'":                    false,
		"READONLY You can't write against a read only replica":                      false,
		"ERR max number of clients reached":                                         false,
	} {
		if got := rejectedReply(replyErr(msg)); got != want {
			t.Errorf("rejectedReply(%q) = %v, want %v", msg, got, want)
		}
	}
	if rejectedReply(errors.New("read tcp: connection reset by peer")) {
		t.Error("a failed connection is rejected")
	}
	url := os.Getenv("SPINDLE_REDIS_URL")
	if url == "" {
		return
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	err = c.Eval(context.Background(), `return redis.call('HSET')`, []string{"{spindle-test-rejected}:k"}).Err()
	if err == nil || !rejectedReply(err) || !strings.HasPrefix(err.Error(), "ERR") {
		t.Fatalf("a script that fails on its arguments: %v; want it rejected", err)
	}
	if got := opErr(context.Background(), "finish", err); !errors.Is(got, store.ErrRejected) {
		t.Fatalf("opErr(%v) = %v; want it to match store.ErrRejected", err, got)
	}
}
