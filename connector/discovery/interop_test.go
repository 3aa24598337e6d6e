package discovery

import (
	"bytes"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// everythingDir holds the pinned @modelcontextprotocol/server-everything
// (package.json, package-lock.json); `npm ci` there installs it.
const everythingDir = "testdata/everything"

// everythingTools are the tools server-everything 2026.8.31 offers a client
// that advertises no capabilities, in its order (read from its
// dist/tools/*.js), followed by those it registers, after initialization,
// only for clients that declare roots (get-roots-list), elicitation
// (trigger-elicitation-request; trigger-url-elicitation wants its url mode)
// or sampling (trigger-sampling-request): discovery must see them, as the
// API's client may. The async trigger tools also want the tasks capability,
// which the go-sdk client cannot declare, so no one here sees them.
var everythingTools = []string{
	"echo [read-only]",
	"get-annotated-message [read-only]",
	"get-env [read-only]",
	"get-resource-links [read-only]",
	"get-resource-reference [read-only]",
	"get-structured-content [read-only]",
	"get-sum [read-only]",
	"get-tiny-image [read-only]",
	"gzip-file-as-resource []",
	"toggle-simulated-logging []",
	"toggle-subscriber-updates []",
	"trigger-long-running-operation [read-only]",
	"get-roots-list [read-only]",
	"trigger-elicitation-request []",
	"trigger-url-elicitation []",
	"trigger-sampling-request []",
	"simulate-research-query []",
}

// everythingOnlyWith are the tools of everythingTools offered only to a
// client that declares capabilities.
var everythingOnlyWith = []string{"get-roots-list", "trigger-elicitation-request", "trigger-sampling-request", "trigger-url-elicitation"}

func TestInteropServerEverything(t *testing.T) {
	t.Parallel()
	// The server's entry point, relative to everythingDir.
	entry := filepath.Join("node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(everythingDir, entry))
	}
	if err != nil {
		msg := "the reference server is not installed (" + err.Error() + "): run `npm ci` in connector/discovery/" + everythingDir
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; .ci/run must do it before the tests")
		}
		t.Skip(msg)
	}

	addr := startEverything(t, node, entry)
	st := Discover(t.Context(), Target{Name: "everything", URL: "http://" + addr + "/mcp"}, Options{})
	mustState(t, st, Ready)
	if st.Transport != TransportStreamable {
		t.Errorf("transport %q", st.Transport)
	}
	if got := toolLines(st.Tools); !slices.Equal(got, everythingTools) {
		t.Errorf("tools:\n got %q\nwant %q", got, everythingTools)
	}
	if got := slices.Sorted(maps.Keys(st.OnlyWith)); !slices.Equal(got, everythingOnlyWith) {
		t.Errorf("only with capabilities: %q, want %q", got, everythingOnlyWith)
	}
	if st.Incomplete || st.Notes != nil {
		t.Errorf("incomplete %v, notes %q", st.Incomplete, st.Notes)
	}
	for _, tl := range st.Tools {
		if len(tl.InputSchema) == 0 || tl.Description == "" {
			t.Errorf("%s: schema %s, description %q", tl.Name, tl.InputSchema, tl.Description)
		}
	}
}

// startEverything runs server-everything (entry is relative to
// everythingDir) over Streamable HTTP on a free
// loopback port until the test ends, and returns its address once it
// accepts connections.
func startEverything(t *testing.T, node, entry string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)

	var out lockedBuffer
	cmd := exec.Command(node, "--require", "./loopback.cjs", entry, "streamableHttp")
	cmd.Dir = everythingDir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server-everything: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the whole process group
		<-exited
	})

	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return addr
		}
		select {
		case <-exited:
			t.Fatalf("server-everything exited before listening:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server-everything did not listen on %s within 20s:\n%s", addr, out.String())
		}
	}
}

// lockedBuffer collects a child's output from the goroutines exec starts.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
