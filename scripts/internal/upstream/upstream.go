// Package upstream finds Botpress's published OpenAPI definitions, as
// scripts/upstream-fetch exports them from the npm package @botpress/api into
// the cache build/upstream/<version>/, and loads them as one document.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// Package is the npm package Botpress publishes its definitions in.
const Package = "@botpress/api"

// Files are the definitions of one version in its cache folder, in the
// order they are merged; the billing API may be absent from a version.
var Files = []string{"botpress-api.openapi.json", "botpress-billing.openapi.json"}

// Root finds the repository root, the directory holding api/openapi.yaml,
// from the working directory upwards.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "api", "openapi.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("api/openapi.yaml not found above the working directory")
		}
		dir = parent
	}
}

// SpecVersion is the @botpress/api release the spec at path matches:
// info.x-botpress-api-package, or info.version when the spec follows no
// other definitions than that package's.
func SpecVersion(path string) (string, error) {
	if v, err := infoField(path, "x-botpress-api-package"); err == nil {
		return v, nil
	}
	return infoField(path, "version")
}

// infoField is a string field of the spec's info object.
func infoField(path, name string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var doc struct {
		Info map[string]any `yaml:"info"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	v, _ := doc.Info[name].(string)
	if v == "" {
		return "", fmt.Errorf("%s: no info.%s", path, name)
	}
	return v, nil
}

// CacheDir is the folder holding one sub-folder per fetched version:
// $UPSTREAM_CACHE, or build/upstream under the repository root.
func CacheDir(root string) string {
	if d := os.Getenv("UPSTREAM_CACHE"); d != "" {
		return d
	}
	return filepath.Join(root, "build", "upstream")
}

// Paths lists the definition files of version in the cache, or none when
// that version has not been fetched.
func Paths(root, version string) []string {
	var out []string
	for _, f := range Files {
		p := filepath.Join(CacheDir(root), version, f)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	if len(out) == 0 || filepath.Base(out[0]) != Files[0] {
		return nil // the Botpress API itself is missing
	}
	return out
}

// Ensure returns the definition files of version, running
// scripts/upstream-fetch first when the cache does not hold them. The
// script's progress goes to progress; its one-line failure becomes the error.
func Ensure(ctx context.Context, root, version string, progress io.Writer) ([]string, error) {
	if p := Paths(root, version); p != nil {
		return p, nil
	}
	if err := runScript(ctx, root, "upstream-fetch", version, progress); err != nil {
		return nil, err
	}
	p := Paths(root, version)
	if p == nil {
		return nil, fmt.Errorf("upstream-fetch %s wrote no definitions to %s (was %s a tag rather than a version?)",
			version, filepath.Join(CacheDir(root), version), version)
	}
	return p, nil
}

// Load reads a spec; references to other files are followed.
func Load(path string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true // api/openapi.yaml refers to its sections/ files
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	return doc, nil
}

// LoadMerged reads the definitions at paths and adds the paths of the
// second and later ones to the first (the billing API to the Botpress API);
// a path that two of them define is an error.
func LoadMerged(paths []string) (*openapi3.T, error) {
	if len(paths) == 0 {
		return nil, errors.New("no upstream definition to load")
	}
	doc, err := Load(paths[0])
	if err != nil {
		return nil, err
	}
	for _, p := range paths[1:] {
		more, err := Load(p)
		if err != nil {
			return nil, err
		}
		for path, item := range more.Paths.Map() {
			if doc.Paths.Value(path) != nil {
				return nil, fmt.Errorf("%s: path %s is also in %s", p, path, paths[0])
			}
			doc.Paths.Set(path, item)
		}
	}
	return doc, nil
}

// KeepSuccess drops every response of o but the 2xx ones: upstream's
// "default" response repeats the success body, and our error responses are
// our own.
func KeepSuccess(o *openapi3.Operation) {
	if o.Responses == nil {
		return
	}
	for code := range o.Responses.Map() {
		if !strings.HasPrefix(code, "2") {
			o.Responses.Delete(code)
		}
	}
}

// runScript runs scripts/<name> version, its progress to progress; its
// one-line failure becomes the error.
func runScript(ctx context.Context, root, name, version string, progress io.Writer) error {
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", name), version)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = progress, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = fmt.Sprintf("%s %s: %v", name, version, err)
		}
		return errors.New(msg)
	}
	return nil
}
