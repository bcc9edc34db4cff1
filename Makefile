# Common tasks. `make help` lists them.
GO ?= go
# make bench SOAK=1 also runs the soak test.
SOAK ?= 0
# make upstream-fetch (or chat-fetch) VERSION=x.y.z fetches that version; only taken from the command line.
FETCH_VERSION = $(if $(filter command line,$(origin VERSION)),$(VERSION))
# make upstream-latest NEWEST=x.y.z (NEWEST_CLIENT=x.y.z) compares with that version of
# @botpress/api (@botpress/client) instead of npm's newest.
NEWEST ?=
NEWEST_CLIENT ?=
# make release VERSION=x.y.z DRY_RUN=1 checks everything and tags nothing.
DRY_RUN ?= 0
# Redocly CLI: no telemetry, no update check.
export REDOCLY_TELEMETRY = off
export REDOCLY_SUPPRESS_UPDATE_NOTICE = true

.PHONY: help generate check-generated test lint upstream-fetch upstream-diff upstream-latest client-fetch client-diff chat-fetch chat-diff lint-spec check-ts check-chat docs spec-breaking api-compat release bench bench-rounds ci

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-17s %s\n", $$1, $$2}'

generate: ## Regenerate gen/ and client/operations.gen.go from api/openapi.yaml
	$(GO) generate ./...

check-generated: ## Fail if regenerating changes any committed file
	scripts/check-generated

test: ## Run the tests, with the race detector
	$(GO) test -race ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd scripts && $(GO) vet ./...

upstream-fetch: ## Fetch @botpress/api (VERSION=x.y.z, default info.x-botpress-api-package) from npm and export its OpenAPI to build/upstream/
	scripts/upstream-fetch $(FETCH_VERSION)

upstream-diff: ## Compare api/openapi.yaml with @botpress/api at info.x-botpress-api-package, where @botpress/client agrees with it, operation by operation (fetches it if needed)
	cd scripts && $(GO) run ./upstream-diff -all

upstream-latest: ## List what the newest @botpress/api and @botpress/client on npm change since the versions api/openapi.yaml follows
	cd scripts && $(GO) run ./upstream-latest $(if $(NEWEST),-newest $(NEWEST)) $(if $(NEWEST_CLIENT),-newest-client $(NEWEST_CLIENT))

client-fetch: ## Fetch @botpress/client (VERSION=x.y.z, default info.x-botpress-client-package) from npm and extract its declared operations to build/upstream/; needs npm ci
	scripts/client-fetch $(FETCH_VERSION)

client-diff: ## Compare api/openapi.yaml with the declared types of @botpress/client, operation by operation and field by field (fetches it if needed; needs npm ci)
	cd scripts && $(GO) run ./client-diff

chat-fetch: ## Fetch @botpress/chat (VERSION=x.y.z, default api/chat.yaml's) from npm and extract its description to build/upstream/; needs npm ci
	scripts/chat-fetch $(FETCH_VERSION)

chat-diff: ## Compare api/chat.yaml with @botpress/chat, operation by operation and signal by signal (fetches it if needed; needs npm ci)
	cd scripts && $(GO) run ./chat-diff

lint-spec: ## Lint api/openapi.yaml and api/chat.yaml with Spectral (spectral:oas) and Redocly (recommended, .redocly.lint-ignore.yaml); needs npm ci
	scripts/lint-spec

check-ts: ## Generate TypeScript types from the spec, typecheck examples/typescript, run it against botpress-mock
	scripts/check-ts

check-chat: ## Peer check: the official @botpress/chat runs a user's flow against botpress-mock's Chat API (needs npm ci)
	scripts/check-chat

docs: ## Render the spec to build/docs/index.html, check it in headless Chromium, take a screenshot
	scripts/check-docs

spec-breaking: ## Fail on breaking spec changes since REF (default: the latest v* tag) without a major version bump
	cd scripts && $(GO) run ./spec-breaking $(REF)

api-compat: ## Fail on Go API changes since the latest v* tag that neither a major bump nor a **Breaking** CHANGELOG entry allows (apidiff)
	$(GO) -C scripts run ./api-compat

release: ## Check the CHANGELOG, internal/version, the Go API and CI, then tag vVERSION (VERSION=x.y.z; DRY_RUN=1 tags nothing; never pushes)
	VERSION=$(VERSION) DRY_RUN=$(DRY_RUN) scripts/release

bench: ## Benchmarks: SDK vs bare net/http vs @botpress/client, chat listeners vs @botpress/chat, to BENCHMARKS.md and docs/bench-throughput.svg (SOAK=1 adds the soaks); needs npm ci
	SOAK=$(SOAK) scripts/bench

bench-rounds: ## Reads and writes, SDK vs bare net/http, in interleaved rounds (ROUNDS=5): rewrites that section of BENCHMARKS.md
	scripts/bench-rounds

ci: ## What CI runs
	bash .ci/run
