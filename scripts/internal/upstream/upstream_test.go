package upstream

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func root(t *testing.T) string {
	t.Helper()
	r, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// writeFixture puts a tiny definition for each file of Files into the cache
// folder of version.
func writeFixture(t *testing.T, cache, version string) {
	t.Helper()
	dir := filepath.Join(cache, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		Files[0]: `{"openapi":"3.0.0","info":{"title":"api","version":"` + version + `"},"paths":{"/v1/a":{"get":{"operationId":"getA","responses":{"200":{"description":"ok"}}}}}}`,
		Files[1]: `{"openapi":"3.0.0","info":{"title":"billing","version":"` + version + `"},"paths":{"/v2/billing/b":{"get":{"operationId":"getB","responses":{"200":{"description":"ok"}}}}}}`,
	}
	for name, doc := range docs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSpecVersion(t *testing.T) {
	v, err := SpecVersion(filepath.Join(root(t), "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if v == "" || strings.ContainsAny(v, " /") {
		t.Errorf("SpecVersion = %q", v)
	}
}

// TestEnsureCached: a version in the cache is read from there, without npm.
func TestEnsureCached(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("UPSTREAM_CACHE", cache)
	t.Setenv("PATH", t.TempDir()) // no npm, no node: the fetch could not run
	writeFixture(t, cache, "9.8.7")
	paths, err := Ensure(context.Background(), root(t), "9.8.7", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Base(paths[0]) != Files[0] || filepath.Base(paths[1]) != Files[1] {
		t.Fatalf("paths = %v", paths)
	}
	doc, err := LoadMerged(paths)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Paths.Value("/v1/a") == nil || doc.Paths.Value("/v2/billing/b") == nil {
		t.Errorf("merged paths = %v", doc.Paths.InMatchingOrder())
	}
	if _, err := LoadMerged([]string{paths[0], paths[0]}); err == nil {
		t.Error("LoadMerged accepted a path defined twice")
	}
}

// TestEnsureOffline: with no cache and a registry that does not answer, the
// fetch fails with one line naming the package and the version.
func TestEnsureOffline(t *testing.T) {
	for _, tool := range []string{"npm", "node"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	// A registry on 127.0.0.1 that drops every connection, like one that
	// cannot be reached; it records that npm did ask it.
	var once sync.Once
	asked := make(chan struct{})
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(asked) })
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer reg.Close()
	cache := t.TempDir()
	t.Setenv("UPSTREAM_CACHE", cache)
	t.Setenv("npm_config_registry", reg.URL+"/")
	t.Setenv("npm_config_cache", t.TempDir()) // nothing cached by npm either
	t.Setenv("npm_config_fetch_retries", "0")
	t.Setenv("npm_config_offline", "false")

	_, err := Ensure(context.Background(), root(t), "1.70.2", nil)
	if err == nil {
		t.Fatal("Ensure succeeded with no registry")
	}
	msg := err.Error()
	t.Log(msg)
	if strings.Contains(msg, "\n") {
		t.Errorf("error has more than one line:\n%s", msg)
	}
	if !strings.Contains(msg, "@botpress/api@1.70.2") {
		t.Errorf("error %q does not name the package and version", msg)
	}
	select {
	case <-asked:
	default:
		t.Error("npm never asked the test registry")
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("the failed fetch left %d entries in the cache", len(entries))
	}
}
