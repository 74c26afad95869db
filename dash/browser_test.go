package dash_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a real headless Chromium (Debian's chromium
// package; .ci/run installs it). Outside CI they are skipped, saying so,
// when it is missing. Screenshots go to dash/testdata/out (ignored by
// git), or to $SPINDLE_DASH_SCREENSHOTS.

// chromiumPath finds the browser or skips (fails under CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: .ci/run installs it with apt-get install -y chromium")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium to run the browser tests")
	return ""
}

// tab is one tab of a fresh headless browser, watching for dialogs and
// uncaught exceptions, which no test expects.
type tab struct {
	t   *testing.T
	ctx context.Context
	out string

	mu         sync.Mutex
	dialogs    []string
	exceptions []string
}

// newTab starts the browser with the common flags and any extra ones.
func newTab(t *testing.T, extra ...chromedp.ExecAllocatorOption) *tab {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	}
	opts = append(opts, extra...)
	// A bound on the whole test, so a wedged browser fails it instead of
	// hanging the suite.
	base, stop := context.WithTimeout(context.Background(), 90*time.Second)
	actx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	tb := &tab{t: t, ctx: ctx, out: screenshotDir(t)}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		stop()
	})
	if err := chromedp.Listen(ctx, tb.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return tb
}

func (tb *tab) listen(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
		tb.dialogs = append(tb.dialogs, string(e.Type)+": "+e.Message)
		go func() {
			_, _ = chromedp.Call(tb.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}()
	}
}

// checkClean fails the test if a dialog opened or a script threw.
func (tb *tab) checkClean() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.dialogs) > 0 {
		tb.t.Errorf("dialogs opened: %q", tb.dialogs)
	}
	if len(tb.exceptions) > 0 {
		tb.t.Errorf("uncaught exceptions: %q", tb.exceptions)
	}
}

func (tb *tab) watchConsole() {
	go func() {
		for m, err := range chromedp.Console(tb.ctx) {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				tb.mu.Lock()
				tb.exceptions = append(tb.exceptions, m.String())
				tb.mu.Unlock()
			}
		}
	}()
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatal(err)
	}
}

// waitFor polls a JavaScript predicate until it holds.
func (tb *tab) waitFor(what, expr string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		tb.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		tb.t.Fatalf("waiting until %s (%s): %v", what, expr, err)
	}
}

func evalJS[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// click clicks the element with real input events. The page re-renders
// live parts once a sample changes them, so an element found a moment
// ago may have been replaced: find it again then.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	var err error
	for range 5 {
		if err = chromedp.Do(tb.ctx, chromedp.Click(chromedp.CSS(sel))); err == nil || !strings.Contains(err.Error(), "Could not find node") {
			break
		}
	}
	if err != nil {
		tb.t.Fatalf("click %s: %v", sel, err)
	}
}

// shot saves a screenshot of the viewport as NAME.png and returns its
// path.
func (tb *tab) shot(name string) string {
	tb.t.Helper()
	b, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(tb.out, name+".png")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.t.Errorf("screenshot %s: %v", name, err)
	}
	return p
}

func screenshotDir(t *testing.T) string {
	dir := os.Getenv("SPINDLE_DASH_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("testdata", "out")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// open loads the dashboard and waits for its live stream.
func (tb *tab) open(srv *httptest.Server) {
	tb.t.Helper()
	tb.watchConsole()
	tb.do(chromedp.EmulateViewport(1400, 900), chromedp.Navigate(srv.URL+"/"))
	tb.waitFor("the live stream is connected", `document.querySelector('#live.on') !== null`)
}
