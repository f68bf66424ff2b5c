package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

var (
	builtOnce sync.Once
	built     string
	buildErr  error
)

// binary builds the connectdir command once per test run: tests that measure a server process
// or kill a client process need a real one.
func binary(t *testing.T) string {
	t.Helper()
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "connectdir-bin")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "connectdir")
		out, err := exec.Command("go", "build", "-o", built, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// serverProcess is `connectdir serve` running as its own process.
type serverProcess struct {
	cmd              *exec.Cmd
	endpoint         string
	keyID, secret    string
	instance         string
	client           *connect.Client
	stderr           *lockedBuffer
	dataDir, binPath string
}

// startProcess starts the built server on a free port with a fresh SQLite store.
func startProcess(t *testing.T, args ...string) *serverProcess {
	t.Helper()
	bin := binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &serverProcess{endpoint: "http://" + addr, keyID: "AKIAPROCESSTEST00001", secret: "process-test-secret-access-key-00001",
		stderr: &lockedBuffer{}, dataDir: t.TempDir(), binPath: bin}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", p.dataDir}, args...)...)
	p.cmd.Env = append(os.Environ(), "CONNECTDIR_ACCESS_KEY_ID="+p.keyID, "CONNECTDIR_SECRET_ACCESS_KEY="+p.secret)
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "default instance: "); ok {
			p.instance = id
			break
		}
	}
	if p.instance == "" {
		t.Fatalf("the server did not start:\n%s", p.stderr.String())
	}
	go func() { // keep the pipe drained
		for sc.Scan() {
		}
	}()
	p.client = connect.New(connect.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(p.keyID, p.secret, "")})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := p.client.ListInstances(t.Context(), &connect.ListInstancesInput{}); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the server did not answer: %v\n%s", err, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func (p *serverProcess) peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal(errors.New("no VmHWM in /proc status"))
	return 0
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }
