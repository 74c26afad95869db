package postgres

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs/internal/redact"
)

func TestParseConfig(t *testing.T) {
	var o options
	cfg, err := parseConfig("postgres://u:secret@db.example:6543/app?sslmode=disable&pool_max_conns=7&application_name=mine", &o)
	if err != nil {
		t.Fatal(err)
	}
	if o.schema != DefaultSchema || cfg.MaxConns != 7 || cfg.ConnConfig.Port != 6543 || cfg.ConnConfig.Database != "app" ||
		cfg.ConnConfig.RuntimeParams["application_name"] != "mine" || cfg.ConnConfig.RuntimeParams["synchronous_commit"] != "" {
		t.Fatalf("schema %q, config %+v, params %v", o.schema, cfg, cfg.ConnConfig.RuntimeParams)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["schema"]; ok {
		t.Fatal("schema went to the server as a setting")
	}

	o = options{}
	cfg, err = parseConfig("postgresql://u@h/db?schema=Other_1&synchronous_commit=on", &o)
	if err != nil || o.schema != "Other_1" || cfg.ConnConfig.RuntimeParams["synchronous_commit"] != "on" || cfg.ConnConfig.RuntimeParams["application_name"] != "spindle" {
		t.Fatalf("schema %q, err %v, params %v", o.schema, err, cfg.ConnConfig.RuntimeParams)
	}
	// WithSchema wins over the URL.
	o = options{schema: "mine"}
	if _, err := parseConfig("postgres://u@h/db?schema=theirs", &o); err != nil || o.schema != "mine" {
		t.Fatalf("schema %q, %v", o.schema, err)
	}
	// Keyword/value strings pass through.
	o = options{}
	if cfg, err := parseConfig("host=h user=u dbname=d pool_max_conns=3", &o); err != nil || cfg.MaxConns != 3 || o.schema != DefaultSchema {
		t.Fatalf("%+v %v", cfg, err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	bad := map[string]string{
		"postgres://u:hunter2@h/db?schema=a-b":                        "schema \"a-b\"",
		"postgres://u:hunter2@h/db?schema=":                           "schema \"\"",
		"postgres://u:hunter2@h/db?schema=a&schema=b":                 "schema given 2 times",
		"postgres://u:hunter2@h:port/db":                              "cannot parse",
		"postgres://u:hunter2@h/db?pool_max_conns=lots":               "pool_max_conns",
		"postgres://u:hunter2@h/db?schema=" + strings.Repeat("s", 64): "63",
	}
	for u, want := range bad {
		var o options
		_, err := parseConfig(u, &o)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseConfig(%q) = %v; want an error containing %q", u, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("parseConfig(%q): the error shows the password: %v", u, err)
		}
		// Redacting the error again, as jobs.Open does, keeps the form it
		// says is accepted.
		if err != nil && strings.Contains(err.Error(), "want postgres://") {
			if red := redact.Text(err.Error(), u); red != err.Error() {
				t.Errorf("redacting %q changed it to %q", err, red)
			}
		}
	}
	if err := WithSchema("x y")(&options{}); err == nil {
		t.Error("WithSchema accepted a bad name")
	}
}

func TestChannelName(t *testing.T) {
	if c := channelName("spindle"); c != "spindle_spindle" {
		t.Fatal(c)
	}
	long := strings.Repeat("a", 63)
	c1, c2 := channelName(long), channelName(long[:62]+"b")
	if len(c1) > 63 || len(c2) > 63 || c1 == c2 {
		t.Fatalf("%q %q", c1, c2)
	}
}

func TestMigrationsLoad(t *testing.T) {
	if migrations.Latest() != len(migrations) || migrations.Latest() < 2 {
		t.Fatalf("latest %d of %d", migrations.Latest(), len(migrations))
	}
	for _, m := range migrations {
		if strings.Contains(expand(m.SQL, "x", "c"), "{{") {
			t.Fatalf("migration %d keeps a placeholder", m.Version)
		}
	}
}

func TestFinalPayloads(t *testing.T) {
	var ids []string
	for i := range 1000 {
		ids = append(ids, strings.Repeat("x", 20)+strings.Repeat("\"", i%3)+string(rune('a'+i%26)))
	}
	for i := range 20 {
		ids = append(ids, strings.Repeat("\x01", 150)+string(rune('a'+i))) // 151 bytes, 903 in JSON
	}
	ids = append(ids, strings.Repeat("\x01", 900)) // 900 bytes, too long in JSON
	ids = append(ids, strings.Repeat("L", maxNotifiedIDLen+1))
	ps := finalPayloads(ids)
	if ps[len(ps)-1] != "a" {
		t.Fatalf("no 'a' payload for the long ID: %q", ps[len(ps)-1])
	}
	n := 0
	for _, p := range ps[:len(ps)-1] {
		if len(p) > 7999 || p[0] != 'f' {
			t.Fatalf("payload of %d bytes: %.40q", len(p), p)
		}
		var got []string
		if err := json.Unmarshal([]byte(p[1:]), &got); err != nil {
			t.Fatal(err)
		}
		n += len(got)
	}
	if n != 1020 || len(ps) < 6 {
		t.Fatalf("%d IDs in %d payloads", n, len(ps))
	}
	if ps := finalPayloads(nil); len(ps) != 0 {
		t.Fatalf("payloads for no IDs: %q", ps)
	}
}

func TestParseConfigNoServer(t *testing.T) {
	var o options
	for _, u := range []string{"postgres://", "postgresql://"} {
		if _, err := parseConfig(u, &o); err == nil || !strings.Contains(err.Error(), "names no server") || !strings.Contains(err.Error(), "postgres://USER") {
			t.Errorf("parseConfig(%q) = %v; want the accepted form", u, err)
		}
	}
}
