# Common tasks. `make help` lists them.
GO ?= go

.PHONY: help generate check-generated test lint upstream-diff ci

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

upstream-diff: ## Compare api/openapi.yaml with ../shared/upstream, operation by operation
	cd scripts && $(GO) run ./upstream-diff -all

ci: ## What CI runs
	bash .ci/run
