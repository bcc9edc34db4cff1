// Command chat-diff compares api/chat.yaml, our spec of the Chat API, with
// the official TypeScript client of that API, the npm package
// @botpress/chat, operation by operation and signal by signal, and lists
// every difference on the wire.
//
// The package ships no OpenAPI document: scripts/chat-fetch downloads it and
// scripts/chat-diff/extract.cjs reads, with the TypeScript compiler, the
// requests its generated client builds (method, path, and the names of the
// headers, query and path parameters and body fields it sends) and the
// TypeScript types of each request, answer and signal. chat-diff compares
// those with our spec: every operation (by operationId) with the same method
// and path; path and query parameters, request bodies and answers by
// property names, kinds, enums, nullability and required sets, nested
// objects, arrays and unions (told apart by their type) included; the user
// key (the package's x-user-key header, our userKey security requirement);
// the signals of listenConversation's event stream (our Signal union); and
// the Chat API version (info.version). Prose, formats, limits and status
// codes are not compared: the package does not carry them.
//
// Differences kept on purpose are listed in known.go, each with its reason;
// they are reported, counted and do not fail the run, but an entry that no
// longer matches anything does.
//
// Usage, from the repository root:
//
//	go -C scripts run ./chat-diff [-spec ../api/chat.yaml] [-version V] [-v] [chat-package.json]
//
// With no file it reads the description of @botpress/chat at version V
// (default: info.x-botpress-chat-package of our spec) from the cache
// build/upstream/chat-V/, running scripts/chat-fetch V first when it is not
// there. It exits 1 when something differs, 2 when it cannot compare.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/botpress-go/sdk/scripts/internal/upstream"
	"gopkg.in/yaml.v3"
)

// descriptionFile is what scripts/chat-fetch writes in build/upstream/chat-<version>/.
const descriptionFile = "chat-package.json"

func main() {
	spec := flag.String("spec", "", "our spec (default: api/chat.yaml of this repository)")
	version := flag.String("version", "", "the @botpress/chat version to compare with (default: info.x-botpress-chat-package of our spec)")
	verbose := flag.Bool("v", false, "list every place a known difference was seen")
	flag.Parse()
	root, err := upstream.Root()
	if err != nil {
		fatal(err)
	}
	if *spec == "" {
		*spec = filepath.Join(root, "api", "chat.yaml")
	}
	var path string
	switch flag.NArg() {
	case 0:
		if *version == "" {
			if *version, err = packageVersion(*spec); err != nil {
				fatal(err)
			}
		}
		if path, err = ensure(context.Background(), root, *version); err != nil {
			fatal(err)
		}
	case 1:
		path = flag.Arg(0)
	default:
		fatal(errors.New("give at most one chat-package.json"))
	}
	ok, err := run(*spec, path, *verbose)
	if err != nil {
		fatal(err)
	}
	if !ok {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "chat-diff:", err)
	os.Exit(2)
}

func run(specPath, pkgPath string, verbose bool) (bool, error) {
	doc, err := upstream.Load(specPath)
	if err != nil {
		return false, err
	}
	pkg, err := loadPackage(pkgPath)
	if err != nil {
		return false, err
	}
	fmt.Printf("package: %s@%s (Chat API %s)\n", pkg.Package, pkg.Version, pkg.APIVersion)
	return compare(os.Stdout, doc, pkg, knownDifferences, verbose)
}

// packageVersion is info.x-botpress-chat-package of the spec at path: the
// @botpress/chat release it follows.
func packageVersion(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var doc struct {
		Info struct {
			Package string `yaml:"x-botpress-chat-package"`
		} `yaml:"info"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if doc.Info.Package == "" {
		return "", fmt.Errorf("%s: no info.x-botpress-chat-package", path)
	}
	return doc.Info.Package, nil
}

// ensure returns the package description of version in the cache, running
// scripts/chat-fetch first when the cache does not hold it. The script's
// one-line failure becomes the error.
func ensure(ctx context.Context, root, version string) (string, error) {
	path := filepath.Join(upstream.CacheDir(root), "chat-"+version, descriptionFile)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "chat-fetch"), version)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = os.Stderr, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = fmt.Sprintf("chat-fetch %s: %v", version, err)
		}
		return "", errors.New(msg)
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("chat-fetch %s wrote no %s (was %s a tag rather than a version?)", version, path, version)
	}
	return path, nil
}
