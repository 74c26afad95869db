// Command fetch runs the concurrent HTTP fetching scenario of the asyncio
// notes against a local stand-in for the Pokémon API: 150 GETs of
// /api/v2/pokemon/{n} with one shared http.Client, first one after the
// other, then with at most -limit requests in flight through
// spindle.Concurrent. Both print the names in order and the time taken.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/spindlehq/spindle"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "fetch:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("fetch", flag.ContinueOnError)
	count := flags.Int("n", len(pokemon), "how many to fetch, from number 1")
	latency := flags.Duration("latency", 40*time.Millisecond, "the server's artificial latency per request")
	limit := flags.Int("limit", 10, "the most requests in flight at once in the concurrent run")
	if err := flags.Parse(args); err != nil {
		return err
	}
	switch {
	case *count < 1 || *count > len(pokemon):
		return fmt.Errorf("-n is %d: want 1 to %d", *count, len(pokemon))
	case *latency < 0:
		return fmt.Errorf("-latency is %v: want 0 or more", *latency)
	case *limit < 1:
		return fmt.Errorf("-limit is %d: want 1 or more", *limit)
	}

	srv := httptest.NewServer(pokeAPI(*latency))
	defer srv.Close()
	// One client for every request, like asyncio's shared aiohttp session. Keep
	// as many idle connections as requests in flight, so the concurrent run
	// reuses them instead of dialing anew each time.
	transport := &http.Transport{MaxIdleConnsPerHost: *limit}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	url := func(n int) string { return srv.URL + "/api/v2/pokemon/" + strconv.Itoa(n) }

	// Async but not concurrent: one request at a time.
	start := time.Now()
	for n := 1; n <= *count; n++ {
		name, err := getName(ctx, client, url(n))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, name)
	}
	fmt.Fprintf(stdout, "--- serial: %.3f seconds ---\n", time.Since(start).Seconds())

	// Concurrent: up to limit requests in flight, names yielded in request
	// order as they arrive (gather's ordering, streamed). The first failure
	// ends the loop and cancels the requests still in flight.
	start = time.Now()
	fetches := func(yield func(func(context.Context) (string, error)) bool) {
		for n := 1; n <= *count; n++ {
			if !yield(func(ctx context.Context) (string, error) { return getName(ctx, client, url(n)) }) {
				return
			}
		}
	}
	for name, err := range spindle.Concurrent(ctx, fetches, spindle.ConcurrentLimit(*limit), spindle.ConcurrentOrdered()) {
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, name)
	}
	fmt.Fprintf(stdout, "--- concurrent (limit %d): %.3f seconds ---\n", *limit, time.Since(start).Seconds())
	return nil
}

// getName fetches one Pokémon and returns its name.
func getName(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("GET %s: decoding the body: %w", url, err)
	}
	return body.Name, nil
}

// pokeAPI serves {"name": ...} for /api/v2/pokemon/{n}, after latency.
func pokeAPI(latency time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/pokemon/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 1 || n > len(pokemon) {
			http.NotFound(w, r)
			return
		}
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"name": pokemon[n-1]})
	})
	return mux
}
