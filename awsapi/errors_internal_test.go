package awsapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connectdir/connectdir/awsapi/model"
)

// The statuses in the exceptions table are the model's, wherever the model knows the exception.
func TestExceptionStatusesMatchModel(t *testing.T) {
	checked := 0
	for kind, ex := range exceptions {
		status, ok := model.ErrorStatus(ex.name)
		if !ok {
			continue
		}
		checked++
		if status != ex.status {
			t.Errorf("kind %d: %s answers %d, the model says %d", kind, ex.name, ex.status, status)
		}
	}
	if checked < 9 {
		t.Errorf("only %d exceptions checked against the model", checked)
	}
}

// A panicking handler is answered with InternalServiceException and logged with the request id
// and the panic, instead of a dropped connection.
func TestRecoverPanics(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-RequestId", "req-1234")
		var m map[string]any
		m["x"] = 1 // assignment to a nil map, the panic a null body once caused
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/users/x", nil))
	if rec.Code != 500 || rec.Header().Get("X-Amzn-ErrorType") != "InternalServiceException" {
		t.Errorf("answer %d %q, want 500 InternalServiceException", rec.Code, rec.Header().Get("X-Amzn-ErrorType"))
	}
	if strings.Contains(rec.Body.String(), "nil map") {
		t.Errorf("the answer shows the panic: %s", rec.Body)
	}
	for _, want := range []string{"level=ERROR", "req-1234", "nil map", "PUT", "/users/x"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// A store call that ended because the client hung up is not an internal error: no ERROR line,
// no 500. The same error with the client still waiting (a deadline of our own) still is one.
func TestClientGoneIsNotAnInternalError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	name := writeError(rec, httptest.NewRequest(http.MethodGet, "/users/i/u", nil).WithContext(ctx), log, fmt.Errorf("query: %w", context.Canceled))
	if rec.Code != 499 || name != "ClientClosedRequest" || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("client gone: %d %s, log %q", rec.Code, name, logs.String())
	}
	rec = httptest.NewRecorder()
	name = writeError(rec, httptest.NewRequest(http.MethodGet, "/users/i/u", nil), log, fmt.Errorf("query: %w", context.Canceled))
	if rec.Code != 500 || name != "InternalServiceException" || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("client waiting: %d %s, log %q", rec.Code, name, logs.String())
	}
}
