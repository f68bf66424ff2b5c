package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestDebugAddr: --debug-addr serves pprof on its own loopback listener, and the API port does
// not serve it.
func TestDebugAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dbg, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, dbgPort, _ := net.SplitHostPort(dbg.Addr().String())
	dbg.Close()
	t.Setenv("CONNECTDIR_DEBUG_ADDR", dbgPort) // a bare port: loopback
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() {
		served <- newApp().Run(ctx, []string{"connectdir", "serve", "--addr", addr, "--data", t.TempDir()})
	}()
	waitHealthy(t, "http://"+addr, served)

	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://127.0.0.1:" + dbgPort + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof index on the debug port: %d %.200s", code, body)
	}
	if code, body := get("http://127.0.0.1:" + dbgPort + "/debug/pprof/heap?debug=1"); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Errorf("heap profile: %d %.100s", code, body)
	}
	if code, body := get("http://" + addr + "/debug/pprof/"); code == http.StatusOK || strings.Contains(body, "goroutine") {
		t.Errorf("the API port serves pprof: %d %.200s", code, body)
	}
	stop()
	if err := <-served; err != nil {
		t.Fatal(err)
	}

	// Without a host the listener is on loopback only.
	at, closeDebug, err := listenDebug(":0", slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer closeDebug()
	if host, _, _ := net.SplitHostPort(at); host != "127.0.0.1" {
		t.Errorf("--debug-addr :0 listens on %s", at)
	}
}
