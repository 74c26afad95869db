package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRunPrintsNamesInOrderTwice(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-latency=1ms", "-limit=8"}, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2*(len(pokemon)+1) {
		t.Fatalf("%d lines, want %d: 150 names and a time, twice", len(lines), 2*(len(pokemon)+1))
	}
	serial, concurrent := lines[:len(pokemon)+1], lines[len(pokemon)+1:]
	for i, name := range pokemon {
		if serial[i] != name || concurrent[i] != name {
			t.Fatalf("line %d: serial %q, concurrent %q, want %q in both", i, serial[i], concurrent[i], name)
		}
	}
	if !regexp.MustCompile(`^--- serial: \d+\.\d{3} seconds ---$`).MatchString(serial[len(pokemon)]) {
		t.Errorf("serial time line %q", serial[len(pokemon)])
	}
	if !regexp.MustCompile(`^--- concurrent \(limit 8\): \d+\.\d{3} seconds ---$`).MatchString(concurrent[len(pokemon)]) {
		t.Errorf("concurrent time line %q", concurrent[len(pokemon)])
	}
}

func TestGetNameReportsHTTPFailures(t *testing.T) {
	srv := httptest.NewServer(pokeAPI(0))
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()
	if name, err := getName(context.Background(), client, srv.URL+"/api/v2/pokemon/25"); err != nil || name != "pikachu" {
		t.Errorf("getName(25) = %q, %v; want pikachu", name, err)
	}
	for _, path := range []string{"/api/v2/pokemon/151", "/api/v2/pokemon/zero", "/api/v2/berry/1"} {
		if _, err := getName(context.Background(), client, srv.URL+path); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("getName(%s): %v, want a 404 error", path, err)
		}
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := run(ctx, []string{"-latency=0"}, &bytes.Buffer{}); err == nil {
		t.Error("run with a cancelled ctx: nil error")
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-n=0"}, {"-n=151"}, {"-limit=0"}, {"-latency=-1s"}} {
		err := run(context.Background(), args, &bytes.Buffer{})
		flag := strings.SplitN(args[0], "=", 2)[0]
		if err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("run(%v): %v, want an error naming %s", args, err, flag)
		}
	}
}
