package awsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/awsapi"
	"github.com/connectdir/connectdir/internal/testserver"
)

const chromium = "/usr/bin/chromium"

// bundleSDK builds the browser bundle of the SDK the page uses with esbuild, both from npm
// (installed by .ci/run into .jstest), into dir.
func bundleSDK(t *testing.T, dir string) string {
	t.Helper()
	nodeWith(t, "@aws-sdk/client-connect", "esbuild")
	modules, err := filepath.Abs(jsModules)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sdk.js")
	cmd := exec.CommandContext(t.Context(), filepath.Join(modules, ".bin", "esbuild"), "testdata/js/browser-entry.mjs",
		"--bundle", "--format=iife", "--platform=browser", "--target=es2020", "--log-level=warning", "--outfile="+out)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, b)
	}
	return out
}

// TestBrowserCrossOrigin: real Chromium loads a page from one origin (a port of its own) that
// calls connectdir on another with the AWS SDK for JavaScript, as the hierarchy web UI of the
// blog post does: a five-level structure, groups created, renamed, described, deleted and
// listed, and a ResourceInUseException read by its name. The browser's preflights are answered;
// with --cors-origins naming another origin the same page is refused by the browser.
func TestBrowserCrossOrigin(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required on CI: %v", err)
		}
		t.Skipf("chromium not installed: %v", err)
	}
	dir := t.TempDir()
	sdk := bundleSDK(t, dir)
	page, err := os.ReadFile("testdata/js/hierarchy-page.html")
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sdk.js":
			http.ServeFile(w, r, sdk)
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(page)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)

	// The API servers count the preflights they get from the page's origin.
	var preflights atomic.Int64
	start := func(origins []string) *testserver.Server {
		return testserver.Start(t, testserver.Options{Wrap: func(_ http.Handler, dir *connectdir.Directory) http.Handler {
			api := awsapi.New(dir, awsapi.Options{CORSOrigins: origins})
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodOptions && r.Header.Get("Origin") == site.URL {
					preflights.Add(1)
				}
				api.ServeHTTP(w, r)
			})
		}})
	}
	open := start(nil)
	closed := start([]string{"http://elsewhere.example"})
	if strings.TrimPrefix(open.URL, "http://") == strings.TrimPrefix(site.URL, "http://") {
		t.Fatal("the page and the API share an origin")
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })

	run := func(api *testserver.Server) map[string]any {
		t.Helper()
		cfg, _ := json.Marshal(map[string]string{"endpoint": api.URL, "key": api.KeyID, "secret": api.Secret, "instance": api.InstanceID})
		if err := chromedp.Do(ctx, chromedp.Navigate(site.URL+"/")); err != nil {
			t.Fatal(err)
		}
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf("window.run(%s)", cfg), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			t.Fatalf("page result %q: %v", raw, err)
		}
		return out
	}

	out := run(open)
	if out["error"] != nil {
		t.Fatalf("cross-origin flow failed in the browser: %v", out["error"])
	}
	for key, want := range map[string]any{
		"levels":      []any{"Planet", "Continent", "Country", "City", "Site"},
		"leafLevel":   "5",
		"leafPath":    []any{"Earth", "Europe", "Éire", "Dublin", "HQ"},
		"listed":      []any{"Dublin", "Earth", "Europe", "Éire"},
		"inUse":       "ResourceInUseException",
		"inUseTyped":  true,
		"inUseStatus": float64(409),
	} {
		if !reflect.DeepEqual(out[key], want) {
			t.Errorf("%s = %#v, want %#v", key, out[key], want)
		}
	}
	if id, _ := out["inUseRequestId"].(string); len(id) != 36 {
		t.Errorf("the page read no request id from the refusal: %q", id)
	}
	if preflights.Load() == 0 {
		t.Error("the browser sent no preflight: the calls were not cross-origin")
	}

	// The same page against a server that allows only another origin: the browser refuses it.
	if out := run(closed); out["error"] == nil {
		t.Errorf("a server allowing only another origin served the page: %v", out)
	}
}
