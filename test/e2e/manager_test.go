package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the process's writers and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// managerProc is the manager binary running against the local cluster.
type managerProc struct {
	t       *testing.T
	name    string
	cmd     *exec.Cmd
	log     *syncBuffer
	probe   string
	metrics string
	done    chan error
	exited  bool
}

// buildManager builds the manager binary once per test binary.
var buildManager = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "netinventory-e2e")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// startManagerProc runs the manager with a kubeconfig, leader election in
// ns, probes and metrics on the given ports of 127.0.0.1.
func startManagerProc(t *testing.T, name, kubeconfig, ns string, probePort, metricsPort int, extra ...string) *managerProc {
	t.Helper()
	bin, err := buildManager()
	if err != nil {
		t.Fatal(err)
	}
	m := &managerProc{t: t, name: name, log: &syncBuffer{}, done: make(chan error, 1),
		probe: fmt.Sprintf("127.0.0.1:%d", probePort), metrics: fmt.Sprintf("127.0.0.1:%d", metricsPort)}
	args := append([]string{"--leader-elect=true", "--leader-election-namespace=" + ns, "--debounce=500ms",
		"--metrics-bind-address=" + m.metrics, "--health-probe-bind-address=" + m.probe, "--kubeconfig=" + kubeconfig}, extra...)
	m.cmd = exec.Command(bin, args...)
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { m.done <- m.cmd.Wait() }()
	t.Cleanup(func() {
		if !m.exited {
			_ = m.cmd.Process.Kill()
			<-m.done
			m.exited = true
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", m.name, tail(m.log.String(), 80))
		}
	})
	return m
}

// alive reports whether the process still runs.
func (m *managerProc) alive() bool {
	if m.exited {
		return false
	}
	select {
	case err := <-m.done:
		m.exited = true
		m.t.Logf("%s exited: %v", m.name, err)
		return false
	default:
		return true
	}
}

// readyz returns the probe's status code and body.
func (m *managerProc) readyz() (int, string) {
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + m.probe + "/readyz?verbose")
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	return resp.StatusCode, body.String()
}

// waitReadyz waits until /readyz answers want (200 or not), and returns
// how long it took.
func (m *managerProc) waitReadyz(t *testing.T, ready bool, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		code, body := m.readyz()
		if (code == http.StatusOK) == ready {
			return time.Since(start)
		}
		if !m.alive() {
			t.Fatalf("%s exited while waiting for readyz=%v", m.name, ready)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: /readyz still %d after %s, want ready=%v:\n%s", m.name, code, timeout, ready, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop signals the process and returns how long it took to exit.
func (m *managerProc) stop(t *testing.T, sig syscall.Signal) time.Duration {
	t.Helper()
	start := time.Now()
	if err := m.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-m.done:
		m.exited = true
		if sig == syscall.SIGTERM && err != nil {
			t.Errorf("%s: exit after SIGTERM: %v", m.name, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not exit within 30 s of %s", m.name, sig)
	}
	return time.Since(start)
}

// scrape reads /metrics over HTTPS with a bearer token ("" for none) and
// returns the status code and body.
func (m *managerProc) scrape(token string) (int, string, error) {
	client := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		// The manager serves /metrics with a self-signed certificate.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a test against a self-signed certificate
	}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://"+m.metrics+"/metrics", nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	return resp.StatusCode, body.String(), nil
}

// tail returns the last n lines of text.
func tail(text string, n int) string {
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
