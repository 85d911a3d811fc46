//go:build unix

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShutdownWithAStuckHandler ends the session while handlers are stuck
// where no context reaches them, and a 6-panel 8000² render is under way:
// stdin EOF and SIGTERM must each end the process within 2 s.
//   - fifo: open_project is called again and again while the file it names
//     is swapped between a regular file and a FIFO nobody writes; a call
//     that stats the file and then opens the FIFO blocks in open(2).
//   - unread: the client stops reading stdout; responses fill the pipe and
//     the writer blocks in write(2).
func TestShutdownWithAStuckHandler(t *testing.T) {
	for _, tc := range []struct{ stuck, how string }{{"fifo", "eof"}, {"fifo", "sigterm"}, {"unread", "eof"}, {"unread", "sigterm"}} {
		t.Run(tc.stuck+"/"+tc.how, func(t *testing.T) {
			dir := t.TempDir()
			work := filepath.Join(dir, "work")
			require.NoError(t, os.Mkdir(work, 0o755))
			// A race-enabled binary sleeps 1 s at exit unless told not to.
			p := startProc(t, work, append(os.Environ(), append(env(t), "GORACE=atexit_sleep_ms=0")...), "--allow-dir", work)
			p.initialize("2025-11-25")
			p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fill_shape","arguments":{"shape":"sphere","center":[0,0,0],"radius":30,"color":"#3080FF"}}}`)
			p.response(1)
			stuck := tc.stuck == "unread"
			switch tc.stuck {
			case "fifo":
				target := filepath.Join(work, "swap.txt")
				stop := make(chan struct{})
				swapped := make(chan struct{})
				go func() {
					defer close(swapped)
					for {
						select {
						case <-stop:
							return
						default:
						}
						// Atomic swaps: the name always exists, alternately a
						// regular file and a FIFO.
						_ = os.WriteFile(target+".reg", []byte("0 0 0 FF0000\n"), 0o600)
						_ = os.Rename(target+".reg", target)
						_ = syscall.Mkfifo(target+".fifo", 0o600)
						_ = os.Rename(target+".fifo", target)
					}
				}()
				const tries = 3000
				var b strings.Builder
				for i := range tries {
					fmt.Fprintf(&b, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"open_project","arguments":{"path":%q,"force":true}}}`+"\n", 100+i, target)
				}
				p.send(strings.TrimSuffix(b.String(), "\n"))
				answered := 0
				for quiet := false; !quiet; {
					select {
					case m := <-p.lines:
						if id, ok := m["id"].(float64); ok && id >= 100 {
							answered++
						}
					case <-time.After(time.Second):
						quiet = true
					}
				}
				close(stop)
				<-swapped
				stuck = answered < tries
				if stuck {
					t.Logf("%d of %d open_project calls answered: one is stuck in open(2), the rest wait behind it", answered, tries)
				} else {
					t.Logf("all %d open_project calls answered: the swap never hit the window between stat and open this time", tries)
				}
			case "unread":
				// Big answers the test does not read: the pipe fills.
				var b strings.Builder
				for i := range 200 {
					fmt.Fprintf(&b, `{"jsonrpc":"2.0","id":%d,"method":"tools/list"}`+"\n", 100+i)
				}
				p.send(strings.TrimSuffix(b.String(), "\n"))
				// Until the server has handled them all (their answers queue behind the full pipe):
				// what is measured is the exit from a stuck writer, not how long 200 tools/list take
				// (over 2 s for a race-enabled binary on a slow machine).
				for deadline := time.Now().Add(60 * time.Second); strings.Count(p.stderr.String(), "mcp.method=tools/list") < 200; {
					require.True(t, time.Now().Before(deadline), "200 tools/list not handled within 60 s; stderr:\n%s", p.stderr.String())
					time.Sleep(10 * time.Millisecond)
				}
			}
			p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"render_scene","_meta":{"progressToken":"r"},"arguments":{"width":8000,"height":8000,"views":["front","back","left","right","top","isometric"],"options":{"return_mode":"file_path"}}}}`)
			if !stuck {
				for m := p.next(30 * time.Second); m["method"] != "notifications/progress"; m = p.next(30 * time.Second) {
					require.NotEqual(t, float64(2), m["id"], "the render finished before the test could stop the server")
				}
			} else {
				// Behind a stuck open_project the render waits for its turn;
				// with stdout full it runs but its progress cannot be read.
				time.Sleep(300 * time.Millisecond)
			}
			if tc.how == "eof" {
				require.NoError(t, p.in.Close())
			} else {
				require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			}
			took := waitExit(t, p.cmd.Process.Pid, 15*time.Second)
			go func() {
				for range p.lines { // only now: until the exit nobody reads in "unread"
				}
			}()
			assert.NoError(t, <-p.exited, "exit status 0; stderr:\n%s", p.stderr.String())
			assert.Less(t, took, exitLimit(), "exit after %v; stderr:\n%s", took, p.stderr.String())
			t.Logf("exited %v after %s", took, tc.how)
		})
	}
}

// waitExit polls until the process has exited (a zombie or gone) and
// returns how long that took; it does not reap it.
func waitExit(t *testing.T, pid int, limit time.Duration) time.Duration {
	t.Helper()
	begin := time.Now()
	for time.Since(begin) < limit {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			if os.IsNotExist(err) {
				return time.Since(begin)
			}
			t.Skipf("no /proc on this system: %v", err)
		}
		// The state follows the parenthesised command name.
		if k := strings.LastIndexByte(string(b), ')'); k > 0 && k+2 < len(b) && (b[k+2] == 'Z' || b[k+2] == 'X') {
			return time.Since(begin)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("process %d still running %v after the end of the session", pid, limit)
	return 0
}
