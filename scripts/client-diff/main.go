// Command client-diff compares api/openapi.yaml, our spec of the Botpress
// API, with what the official TypeScript client, the npm package
// @botpress/client, declares: operation by operation and field by field,
// and lists every difference on the wire.
//
// @botpress/client is released more often than @botpress/api, whose OpenAPI
// files upstream-diff reads, and declares newer definitions (its
// apiVersion); where the two disagree, the client is the newer truth.
// scripts/client-fetch downloads the package and scripts/client-diff/
// extract.cjs reads, with the TypeScript compiler, each operation's method,
// path, the names its client puts in each part of the request, and the types
// of its request (headers, query, path parameters and body: ClientInputs)
// and answer (ClientOutputs). client-diff compares those with our spec:
// every operation by operationId with the same method and path; parameters,
// request bodies and answers by property names, kinds, enums, nullability
// and required sets, nested objects, arrays and unions. The scope headers
// that a client's configuration sets (x-bot-id, x-workspace-id,
// x-integration-id, x-integration-alias, x-user-id) are left out; other
// headers are compared. Prose, formats, limits and status codes are not
// compared: the types do not carry them (upstream-diff does, against
// @botpress/api).
//
// An operation of ours that the package no longer has must be marked
// deprecated (Botpress removed it; we keep it for a while); it is listed and
// does not fail the run. Differences kept on purpose are listed, each with
// its reason, in scripts/client-diff/known.yaml; they are reported and do not
// fail the run, but an entry that no longer matches anything does.
//
// Usage, from the repository root:
//
//	go -C scripts run ./client-diff [-spec ../api/openapi.yaml] [-version V] [-v] [client-package.json]
//
// With no file it reads the description of @botpress/client at version V
// (default: info.x-botpress-client-package of our spec) from the cache
// build/upstream/client-V/, running scripts/client-fetch V first when it is
// not there. It exits 1 when something differs, 2 when it cannot compare.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/botpress-go/sdk/scripts/internal/tsdiff"
	"github.com/botpress-go/sdk/scripts/internal/upstream"
)

func main() {
	spec := flag.String("spec", "", "our spec (default: api/openapi.yaml of this repository)")
	version := flag.String("version", "", "the @botpress/client version to compare with (default: info.x-botpress-client-package of our spec)")
	knownPath := flag.String("known", "", "the known differences (default: scripts/client-diff/known.yaml)")
	verbose := flag.Bool("v", false, "list every place a known difference was seen")
	flag.Parse()
	root, err := upstream.Root()
	if err != nil {
		fatal(err)
	}
	if *spec == "" {
		*spec = filepath.Join(root, "api", "openapi.yaml")
	}
	if *knownPath == "" {
		*knownPath = filepath.Join(root, "scripts", "client-diff", "known.yaml")
	}
	var path string
	switch flag.NArg() {
	case 0:
		if *version == "" {
			if *version, err = upstream.ClientVersion(*spec); err != nil {
				fatal(err)
			}
		}
		if path, err = upstream.EnsureClient(context.Background(), root, *version); err != nil {
			fatal(err)
		}
	case 1:
		path = flag.Arg(0)
	default:
		fatal(errors.New("give at most one client-package.json"))
	}
	known, err := loadKnown(*knownPath)
	if err != nil {
		fatal(err)
	}
	doc, err := upstream.Load(*spec)
	if err != nil {
		fatal(err)
	}
	pkg, err := upstream.LoadClient(path)
	if err != nil {
		fatal(err)
	}
	fmt.Printf("package: %s@%s (definitions %s)\n", pkg.Package, pkg.Version, pkg.APIVersion)
	res, err := upstream.CompareClient(os.Stdout, doc, pkg, known, *verbose)
	if err != nil {
		fatal(err)
	}
	if !res.OK {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "client-diff:", err)
	os.Exit(2)
}

// loadKnown reads the known differences; each needs a reason.
func loadKnown(path string) ([]tsdiff.Known, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var known []tsdiff.Known
	if err := yaml.Unmarshal(data, &known); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, k := range known {
		if k.What == "" || k.Reason == "" {
			return nil, fmt.Errorf("%s: entry %d needs what and reason", path, i+1)
		}
	}
	return known, nil
}
