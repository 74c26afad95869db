package main

import (
	"strings"
	"testing"
)

func TestDashRefusesExposedAddrWithoutToken(t *testing.T) {
	t.Setenv("SPINDLE_DASH_TOKEN", "")
	code, out, errOut := runCaptured(t, "dash", "--store", "memory:", "--addr", "0.0.0.0:8080")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, exitUsage, out, errOut)
	}
	want := "spindle: refusing to listen on 0.0.0.0:8080 (0.0.0.0) without a token"
	if !strings.HasPrefix(errOut, want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "SPINDLE_DASH_TOKEN") {
		t.Fatalf("stderr %q: want one line starting %q that names the fix", errOut, want)
	}
}

func TestDashHidesStorePassword(t *testing.T) {
	code, _, errOut := runCaptured(t, "dash", "--store", "bogus://user:hunter2@host/db")
	if code == 0 || strings.Contains(errOut, "hunter2") || !strings.Contains(errOut, "xxxxx") {
		t.Fatalf("exit %d, stderr %q: want a failure that hides the password", code, errOut)
	}
}

func TestDashShortToken(t *testing.T) {
	code, _, errOut := runCaptured(t, "dash", "--store", "memory:", "--addr", "127.0.0.1:0", "--token", "short")
	if code != exitUsage || !strings.Contains(errOut, "at least 16") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
