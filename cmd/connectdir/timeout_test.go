package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// A body that trickles in is cut when the read timeout ends, whether the request is signed (the
// verifier waits for the body to hash it) or not (refused at once, then drained until the
// deadline): neither holds a connection longer.
func TestSlowBodyCutAtReadTimeout(t *testing.T) {
	const keyID, secret = "AKIATIMEOUTTEST00001", "timeout-test-secret-access-key-0001"
	ctx, stop := context.WithCancel(context.Background())
	endpoint, _, served := startServe(t, ctx, keyID, secret, "--read-timeout", "1s")
	t.Cleanup(func() { stop(); <-served })
	body := []byte(`{"Username":"slow.body","SecurityProfileIds":["x"],"RoutingProfileId":"y","PhoneConfig":{"PhoneType":"SOFT_PHONE"},"IdentityInfo":{"FirstName":"S"}}`)
	for _, signed := range []bool{true, false} {
		t.Run(fmt.Sprintf("signed=%v", signed), func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPut, endpoint+"/users/00000000-0000-0000-0000-000000000000", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if signed {
				sum := sha256.Sum256(body)
				if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
					req, hex.EncodeToString(sum[:]), "connect", "us-east-1", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			conn, err := net.Dial("tcp", strings.TrimPrefix(endpoint, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var head bytes.Buffer
			fmt.Fprintf(&head, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.URL.RequestURI(), req.Host, len(body))
			for k, vs := range req.Header {
				for _, v := range vs {
					fmt.Fprintf(&head, "%s: %s\r\n", k, v)
				}
			}
			head.WriteString("\r\n")
			start := time.Now()
			if _, err := conn.Write(head.Bytes()); err != nil {
				t.Fatal(err)
			}
			// One byte every 100 ms: the whole body would take 15 s.
			go func() {
				for _, c := range body {
					if _, err := conn.Write([]byte{c}); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
			closed := make(chan string, 1)
			go func() {
				br := bufio.NewReader(conn)
				status, _ := br.ReadString('\n')
				_, _ = io.Copy(io.Discard, br) // until the server closes the connection
				closed <- strings.TrimSpace(status)
			}()
			select {
			case status := <-closed:
				took := time.Since(start)
				t.Logf("answer %q, connection closed after %v", status, took)
				if took > 3*time.Second {
					t.Errorf("connection held %v with a 1 s read timeout", took)
				}
				if !signed && !strings.Contains(status, "403") {
					t.Errorf("unsigned request answered %q, want 403", status)
				}
			case <-time.After(8 * time.Second):
				t.Fatal("the connection was still open after 8 s with a 1 s read timeout")
			}
		})
	}
}
