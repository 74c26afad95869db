package dash_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs"
)

// Mount the dashboard under a path of your own server. Its links are
// relative, so http.StripPrefix is all it needs.
func ExampleNew() {
	c, err := jobs.Open(context.Background(), "memory:")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	h, err := dash.New(c, dash.Options{StoreURL: "memory:"})
	if err != nil {
		panic(err)
	}
	defer h.Close() // ends live streams before the server stops

	mux := http.NewServeMux()
	mux.Handle("/admin/jobs/", http.StripPrefix("/admin/jobs", h))
	srv := httptest.NewServer(mux) // in production: dash.ListenAndServe or your own server
	defer srv.Close()

	res, err := http.Get(srv.URL + "/admin/jobs/")
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.Status, res.Header.Get("Content-Security-Policy") != "")
	// Output: 200 OK true
}

// CheckAddr is what refuses to expose a dashboard without a token.
func ExampleCheckAddr() {
	fmt.Println(dash.CheckAddr("127.0.0.1:8080", ""))
	fmt.Println(dash.CheckAddr("0.0.0.0:8080", "") != nil)
	fmt.Println(dash.CheckAddr("0.0.0.0:8080", "a-long-random-token-from-a-secret-store"))
	// Output:
	// <nil>
	// true
	// <nil>
}
