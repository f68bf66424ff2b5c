package awsapi_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// rawRequest writes a request's head to a new connection to the server, announcing a body of
// length n, and returns the connection for the test to send (or not send) the body.
func (e *env) rawRequest(t *testing.T, header http.Header, path string, n int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var head strings.Builder
	fmt.Fprintf(&head, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", path, strings.TrimPrefix(e.URL, "http://"), n)
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	if _, err := conn.Write([]byte(head.String())); err != nil {
		t.Fatal(err)
	}
	return conn
}

// A request whose signature headers are missing or malformed is refused without waiting for a
// body that may never come.
func TestBadSignatureRefusedBeforeBody(t *testing.T) {
	e := start(t)
	for name, h := range map[string]http.Header{
		"missing":   {},
		"malformed": {"Authorization": {"AWS4-HMAC-SHA256 Credential=nonsense"}, "X-Amz-Date": {time.Now().UTC().Format("20060102T150405Z")}},
		"bad date":  {"Authorization": {"AWS4-HMAC-SHA256 Credential=" + e.KeyID + "/20200101/us-east-1/connect/aws4_request, SignedHeaders=host, Signature=00"}, "X-Amz-Date": {"yesterday"}},
	} {
		t.Run(name, func(t *testing.T) {
			conn := e.rawRequest(t, h, "/users/"+e.inst, 1000)
			_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			status, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil {
				t.Fatalf("no answer while the body is withheld: %v", err)
			}
			if !strings.Contains(status, " 400 ") && !strings.Contains(status, " 403 ") {
				t.Errorf("answer %q, want a 400 or 403 refusal", status)
			}
		})
	}
}

// A client that goes away in the middle of its body is not the server's fault: no ERROR line.
func TestAbortedBodyNotAnError(t *testing.T) {
	var logs syncBuffer
	saved := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	e := start(t)
	slog.SetDefault(saved)
	body := []byte(`{"Username":"aborted","SecurityProfileIds":["x"],"RoutingProfileId":"y","PhoneConfig":{"PhoneType":"SOFT_PHONE"}}`)
	req, _ := http.NewRequest(http.MethodPut, e.URL+"/users/"+e.inst, nil)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: e.KeyID, SecretAccessKey: e.Secret},
		req, hex.EncodeToString(sum[:]), "connect", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	conn := e.rawRequest(t, req.Header, req.URL.RequestURI(), len(body))
	if _, err := conn.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	// The server notices the closed connection while reading; give it the time to log.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "/users/"+e.inst) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "/users/"+e.inst) {
		t.Fatalf("the aborted request was not logged at all:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("an aborted body was logged as an error:\n%s", logs.String())
	}
}
