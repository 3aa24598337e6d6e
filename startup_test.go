package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox/demo"
	"patchbay/ui"
)

// The start-up measurement of issue 6: the time from process start to the
// first frame, with 10 configured servers of which 3 accept connections
// and never answer. Discovery must not hold up the screen.

// startupServers starts 7 demo MCP servers and 3 that never answer on
// loopback, and writes a config naming all 10.
func startupServers(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	var cfg strings.Builder
	cfg.WriteString("[api]\ndiscovery_timeout = \"30s\"\n")
	add := func(name, url string) {
		fmt.Fprintf(&cfg, "\n[[servers]]\nname = %q\nurl = %q\nenabled = true\n", name, url)
	}
	names := demo.Names()
	for i := range 7 {
		srv, err := demo.New(names[i%len(names)])
		if err != nil {
			tb.Fatal(err)
		}
		run, err := demo.Serve(ctx, srv, demo.ServeOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = run.Close() })
		add(fmt.Sprintf("answers-%d", i+1), run.URL)
	}
	for i := range 3 {
		add(fmt.Sprintf("silent-%d", i+1), "http://"+silentServer(tb)+"/mcp")
	}
	path := filepath.Join(tb.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// silentServer accepts connections and never answers; it returns its
// address.
func silentServer(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(done)
				return
			}
			conns = append(conns, c) // held open, never read or answered
		}
	}()
	tb.Cleanup(func() {
		_ = ln.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

// firstFrame runs the binary once and returns the time from its start to
// the first frame on its output, and to its exit.
func firstFrame(tb testing.TB, bin, config string) (frame, exit time.Duration) {
	tb.Helper()
	home := tb.TempDir()
	cmd := exec.Command(bin, "-sandbox", "-config", config)
	cmd.Env = []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"PATH=" + os.Getenv("PATH"),
		ui.FirstFrameEnv + "=1",
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	var seen []byte
	buf := make([]byte, 64<<10)
	for frame == 0 {
		n, err := out.Read(buf)
		seen = append(seen, buf[:n]...)
		// The frame's last row is the help line.
		if bytes.Contains(seen, []byte("enter send")) {
			frame = time.Since(start)
		}
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("patchbay: %v\n%s", err, stderr.String())
	}
	exit = time.Since(start)
	if frame == 0 {
		tb.Fatalf("no whole frame was drawn; output:\n%q\n%s", seen, stderr.String())
	}
	return frame, exit
}

func TestStartupDoesNotWaitForSilentServers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	config := startupServers(t)
	frame, exit := firstFrame(t, bin, config)
	t.Logf("first frame after %v, exit after %v", frame, exit)
	// Far above the target (150 ms, see BenchmarkStartup) so a loaded
	// machine or the race detector passes; far below the 30 s discovery
	// timeout a wait for the silent servers would cost.
	if frame > 5*time.Second {
		t.Errorf("the first frame took %v: start-up waits for the servers", frame)
	}
}

// BenchmarkStartup reports the time from process start to the first frame
// as ns/op, and the time to exit as exit-ns/op.
func BenchmarkStartup(b *testing.B) {
	bin := buildBinary(b)
	config := startupServers(b)
	b.Run("servers=10,silent=3", func(b *testing.B) {
		var frames, exits time.Duration
		for range b.N {
			f, e := firstFrame(b, bin, config)
			frames += f
			exits += e
		}
		b.ReportMetric(float64(frames.Nanoseconds())/float64(b.N), "ns/op")
		b.ReportMetric(float64(exits.Nanoseconds())/float64(b.N), "exit-ns/op")
	})
}
