# otelcol-jumpcloud: build, test and run the distribution.
# Only Go is needed: every tool below is installed into ./.tools with `go install`/`go build`.

SHELL       := /usr/bin/env bash
GO          ?= go
TOOLS_DIR   := $(CURDIR)/.tools
BIN_DIR     := $(CURDIR)/bin
OCB_VERSION := v0.165.0
OCB         := $(TOOLS_DIR)/builder
MDATAGEN    := $(TOOLS_DIR)/mdatagen
DIST        := $(BIN_DIR)/otelcol-jumpcloud
METADATA    := $(shell find receiver exporter -name metadata.yaml 2>/dev/null)
TEST_TIMEOUT ?= 9m

.PHONY: all test vet unit generate tools bench build run clean e2e

all: build

$(OCB):
	GOBIN=$(TOOLS_DIR) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)

# mdatagen is pinned in the tools module internal/tools (go get -tool) and built from there.
$(MDATAGEN): internal/tools/go.mod internal/tools/go.sum
	cd internal/tools && $(GO) build -o $(MDATAGEN) go.opentelemetry.io/collector/cmd/mdatagen

tools: $(OCB) $(MDATAGEN)

## generate: regenerate the mdatagen output of every component.
generate: $(MDATAGEN)
	@for m in $(METADATA); do echo "mdatagen $$m"; (cd $$(dirname $$m) && $(MDATAGEN) metadata.yaml) || exit 1; done

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

## test: what CI runs (vet + race tests, including the end-to-end test that builds the distribution).
test: vet $(OCB) unit

## bench: speed and memory figures of the hot paths.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./internal/... ./receiver/... ./exporter/...

## build: the otelcol-jumpcloud binary, built by ocb from builder-config.yaml.
build: $(DIST)

$(DIST): $(OCB) builder-config.yaml go.mod go.sum $(shell find receiver exporter internal -name '*.go' -not -name '*_test.go' 2>/dev/null)
	$(OCB) --config builder-config.yaml

clean:
	rm -rf $(BIN_DIR) build .run
