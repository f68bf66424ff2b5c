package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// listenDebug serves net/http/pprof on addr, its own listener, never the API's port: profiles show
// the code and the data in memory, so they are for an operator on the machine. An address without
// a host ("6060", ":6060") means loopback; a host must be given on purpose to listen elsewhere.
// It returns the address listened on and a function that stops the server.
func listenDebug(addr string, log *slog.Logger) (string, func(), error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// A bare port.
		host, port, err = "", addr, nil
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		return "", nil, errors.New("--debug-addr needs a port, e.g. 127.0.0.1:6060")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No write timeout: a CPU profile or a trace streams for as long as its ?seconds= asks.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug listener stopped", "err", err)
		}
	}()
	return ln.Addr().String(), func() { srv.Close() }, nil
}
