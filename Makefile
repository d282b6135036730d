# otelcol-jumpcloud: build, test and run the distribution.
# Only Go is needed: every tool below is installed into ./.tools with `go install`/`go build`.

SHELL       := /usr/bin/env bash
GO          ?= go
TOOLS_DIR   := $(CURDIR)/.tools
BIN_DIR     := $(CURDIR)/bin
OCB_VERSION := v0.165.0
OCB         := $(TOOLS_DIR)/builder-$(OCB_VERSION)
MDATAGEN    := $(TOOLS_DIR)/mdatagen
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(TOOLS_DIR)/golangci-lint-$(GOLANGCI_LINT_VERSION)
DIST        := $(BIN_DIR)/otelcol-jumpcloud
METADATA    := $(shell find receiver exporter -name metadata.yaml 2>/dev/null)
TEST_TIMEOUT ?= 9m
FUZZTIME    ?= 100000x
NFPM_VERSION := v2.45.2
NFPM        := $(TOOLS_DIR)/nfpm-$(NFPM_VERSION)
CYCLONEDX_VERSION := v1.10.0
CYCLONEDX   := $(TOOLS_DIR)/cyclonedx-gomod-$(CYCLONEDX_VERSION)
# The release version: dist.version of builder-config.yaml unless VERSION is set.
VERSION     ?= $(shell awk '/^dist:/ {d = 1; next} /^[^ #]/ {d = 0} d && $$1 == "version:" {print $$2; exit}' builder-config.yaml)

.PHONY: all test vet lint unit fuzz-short sim-test e2e-test ocb-test generate tools bench bench-go build run clean e2e chaos chaos-test soak sim dist dist-test

all: build

# Versioned file name: changing OCB_VERSION installs the new ocb instead of reusing the old one.
$(OCB):
	GOBIN=$(TOOLS_DIR) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	mv $(TOOLS_DIR)/builder $(OCB)

# mdatagen is pinned in the tools module internal/tools (go get -tool) and built from there.
$(MDATAGEN): internal/tools/go.mod internal/tools/go.sum
	cd internal/tools && $(GO) build -o $(MDATAGEN) go.opentelemetry.io/collector/cmd/mdatagen

# Same scheme as ocb: a versioned file name, so a version bump installs the new golangci-lint.
$(GOLANGCI_LINT):
	GOBIN=$(TOOLS_DIR) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(TOOLS_DIR)/golangci-lint $(GOLANGCI_LINT)

# The packager and the SBOM generator of make dist, versioned the same way.
$(NFPM):
	GOBIN=$(TOOLS_DIR) $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)
	mv $(TOOLS_DIR)/nfpm $(NFPM)

$(CYCLONEDX):
	GOBIN=$(TOOLS_DIR) $(GO) install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$(CYCLONEDX_VERSION)
	mv $(TOOLS_DIR)/cyclonedx-gomod $(CYCLONEDX)

tools: $(OCB) $(MDATAGEN) $(GOLANGCI_LINT) $(NFPM) $(CYCLONEDX)

## generate: regenerate the mdatagen output of every component.
generate: $(MDATAGEN)
	@for m in $(METADATA); do echo "mdatagen $$m"; (cd $$(dirname $$m) && $(MDATAGEN) metadata.yaml) || exit 1; done

vet:
	$(GO) vet ./...

## lint: golangci-lint with .golangci.yml over the root module (./build, ocb's output, is its own
## module and is not linted).
lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

# Every package but the end-to-end test, with the race detector.
unit: build
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $$($(GO) list ./... | grep -v -e /test/e2e -e /test/chaos)

# The end-to-end tests start bin/otelcol-jumpcloud as a child process: alone (-p 1), after the
# other packages, so they do not compete with them for the CPU.
e2e-test: build
	$(GO) test -race -count=1 -p 1 -timeout $(TEST_TIMEOUT) -skip '^TestOCBCustomCollector$$' ./test/e2e/...

## ocb-test: a collector of one's own built by ocb from examples/ocb/builder-config.yaml (our
## receiver beside contrib exporters), validated and run (test/e2e TestOCBCustomCollector): alone,
## with its own timeout (a cold Go build cache compiles the contrib exporters: about 5 minutes).
OCB_TEST_TIMEOUT ?= 15m
ocb-test: build $(OCB)
	$(GO) test -count=1 -p 1 -timeout $(OCB_TEST_TIMEOUT) -run '^TestOCBCustomCollector$$' ./test/e2e/

## fuzz-short: a short run (FUZZTIME each, default 100000x: 3-9 s per target) of every fuzz target
## of the repository, found by name (func FuzzXxx in a _test.go file); their seeds are in the
## packages' testdata/fuzz. A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
## fail a target with a bare "context deadline exceeded" and no crasher when the time runs out
## (golang/go#75804, fixed in Go 1.27); a count has no deadline to race.
fuzz-short:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' receiver exporter internal cmd); do \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "fuzz ./$$(dirname $$f) $$t for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./$$(dirname $$f); \
		done; \
	done

## test: what CI runs: vet, lint, the distribution binary, the race tests of every package, a
## short run of every fuzz target, SIM_TEST_SEEDS seeds of the simulation without -race, the
## end-to-end tests of bin/otelcol-jumpcloud (test/e2e fails when the binary is missing), the ocb
## build of examples/ocb, then a short seeded chaos run.
test: vet lint unit fuzz-short sim-test e2e-test ocb-test chaos-test

## sim-test: the simulation's seeds of make test (the race tests run only a few of them), alone:
## one worker per CPU, an hour of simulated live flow per seed.
SIM_TEST_SEEDS ?= 2000
sim-test:
	SIM_SEEDS=$(SIM_TEST_SEEDS) $(GO) test -count=1 -timeout 10m -run '^TestSimulation$$' ./receiver/jumpclouddirectoryinsightsreceiver/

## chaos-test: the short seeded chaos run (45 s schedule; CHAOS_SEED replays another seed), alone,
## after the end-to-end tests; no -race: the simulator and the sink run in the test process.
chaos-test: build
	$(GO) test -count=1 -p 1 -timeout 5m ./test/chaos/...

## sim: the deterministic simulation of the engine (receiver/.../sim_test.go) over SEEDS seeds
## (default 1000, about 20 seeds per second on two idle cores) from SIM_FIRST (default 1), an hour of
## simulated live flow each, without -race; SIM_SEED=n replays seed n exactly and prints its schedule
## (SIM_REPEAT=k runs it k times, each the same); SIM_STATS=1 logs each seed's requests, faults and turns.
SEEDS ?= 1000
sim:
	$(if $(SIM_STATS),SIM_STATS=$(SIM_STATS)) $(if $(SIM_SEED),SIM_SEED=$(SIM_SEED) SIM_REPEAT=$(or $(SIM_REPEAT),1),SIM_SEEDS=$(SEEDS) SIM_FIRST=$(or $(SIM_FIRST),1)) $(GO) test -count=1 -timeout 0 -run '^TestSimulation$$' -v ./receiver/jumpclouddirectoryinsightsreceiver/

## chaos: the chaos campaign (cmd/chaos): CHAOS_RUNS random seeds (default 3), or the one given
## by CHAOS_SEED, each a CHAOS_DURATION schedule (default 3m) of API, sink and process faults.
CHAOS_DURATION ?= 3m
CHAOS_RUNS     ?= 3
chaos: build
	$(GO) run ./cmd/chaos -collector $(DIST) -config otelcol-config.yaml -duration $(CHAOS_DURATION) \
		$(if $(CHAOS_SEED),-seed $(CHAOS_SEED),-runs $(CHAOS_RUNS))

## soak: the soak (cmd/chaos -soak, not in make test): SOAK_DURATION (default 30m) of live flow
## with late events, sparse API and sink faults and two kill -9, with the shipped poll and settle;
## fails when an event is lost, a duplicate is unexplained or the anonymous RSS of the last
## collector process grows more than 10% after its warm-up. SOAK_SEED replays a run.
SOAK_DURATION ?= 30m
soak: build
	$(GO) run ./cmd/chaos -soak -collector $(DIST) -config otelcol-config.yaml -duration $(SOAK_DURATION) \
		-backlog 10000 -catch-up 5m $(if $(SOAK_SEED),-seed $(SOAK_SEED))

## bench: the performance figures (README, Performance): the Go benchmarks of the hot paths
## (page -> plog, exporter encoding, simulator), then end-to-end runs of bin/otelcol-jumpcloud with
## otelcol-config.yaml against the simulator and the sink (cmd/benchdist: events/s, collector
## CPU-s per million events, peak anonymous RSS, API requests), one table row per run.
## BENCH_RUNS selects the runs (events/page latency/max_concurrent_requests).
BENCH_RUNS ?= 200k/0s/4,1m/0s/4,5m/0s/4,200k/0s/1,1m/0s/1,200k/1s/1,200k/1s/4,1m/1s/1,1m/1s/4
## BENCH_LIVE: a live flow of 20 events/s, 10% of them up to 60 s late, with the shipped
## configuration as it is (API reads per delivered event, delay visible -> sink); BENCH_IDLE:
## organizations[/max_requests_per_second] behind one MSP key, caught up (idle requests and CPU
## per minute, delay of new events). Empty skips them.
## BENCH_FORMATS: a backfill of BENCH_FORMAT_EVENTS in each output format (collector CPU-s per
## 1M events and peak anonymous RSS, as multiples of the first, raw).
BENCH_LIVE ?= 3m
BENCH_IDLE ?= 1,300,2000,2000/2
BENCH_FORMATS ?= raw,raw+semconv,ecs,ocsf
BENCH_FORMAT_EVENTS ?= 1m
bench: bench-go build
	$(GO) run ./cmd/benchdist -collector $(DIST) -config otelcol-config.yaml -runs $(BENCH_RUNS) \
		$(if $(BENCH_LIVE),-live $(BENCH_LIVE)) $(if $(BENCH_IDLE),-idle $(BENCH_IDLE)) \
		$(if $(BENCH_FORMATS),-formats $(BENCH_FORMATS) -format-events $(BENCH_FORMAT_EVENTS))

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./internal/... ./receiver/... ./exporter/...

## build: the otelcol-jumpcloud binary, built by ocb from builder-config.yaml into ./build, then
## copied to bin/otelcol-jumpcloud. GOFLAGS gets -e for ocb's `go mod tidy` only (`go build` does
## not know the flag): the tests of the contrib fileexporter import a module whose source the Go
## module proxy does not serve, and tidy, unlike the build, looks at dependencies' tests.
build: $(DIST)

$(DIST): $(OCB) builder-config.yaml go.mod go.sum $(shell find receiver exporter internal confmap -name '*.go' -not -name '*_test.go' 2>/dev/null)
	GOFLAGS="$$($(GO) env GOFLAGS) -e" $(OCB) --config builder-config.yaml
	@mkdir -p $(BIN_DIR)
	cp build/otelcol-jumpcloud $(DIST)

## run: with JumpCloud credentials (JUMPCLOUD_API_KEY, or a service account: JUMPCLOUD_CLIENT_ID and
## JUMPCLOUD_CLIENT_SECRET) and SUMO_HTTP_SOURCE_URL set, the distribution with otelcol-config.yaml
## for real; with none of them, cmd/demo: the JumpCloud simulator and a Sumo-style sink on loopback, the
## same binary and config pointed at them, a one-line summary every few seconds, Ctrl-C to stop.
FEATURE_GATES := --feature-gates=+extension.healthcheck.useComponentStatus
run: build
	@jc="$$JUMPCLOUD_API_KEY"; [ -n "$$JUMPCLOUD_CLIENT_ID" ] && [ -n "$$JUMPCLOUD_CLIENT_SECRET" ] && jc=service-account; \
	if [ -n "$$jc" ] && [ -n "$$SUMO_HTTP_SOURCE_URL" ]; then \
		echo "running $(DIST) with otelcol-config.yaml against JumpCloud and Sumo Logic"; \
		exec $(DIST) --config otelcol-config.yaml $(FEATURE_GATES); \
	elif [ -n "$$jc$$JUMPCLOUD_CLIENT_ID$$JUMPCLOUD_CLIENT_SECRET$$SUMO_HTTP_SOURCE_URL" ]; then \
		echo "a real run needs SUMO_HTTP_SOURCE_URL and JumpCloud credentials: JUMPCLOUD_API_KEY, or JUMPCLOUD_CLIENT_ID and JUMPCLOUD_CLIENT_SECRET (a service account, with JUMPCLOUD_ORG_ID); only some are set. Set none of them for the demo" >&2; \
		exit 1; \
	else \
		echo "no JumpCloud credentials and no SUMO_HTTP_SOURCE_URL: running the demo (simulator + sink on loopback)"; \
		$(GO) build -o $(TOOLS_DIR)/demo ./cmd/demo && \
		exec $(TOOLS_DIR)/demo -collector $(DIST) -config otelcol-config.yaml; \
	fi

## e2e: only the end-to-end test of the distribution (verbose).
e2e: build
	$(GO) test -race -count=1 -v -timeout $(TEST_TIMEOUT) ./test/e2e/

## dist: the release artifacts in dist/ (packaging/dist.sh; README, Install): static binaries
## for linux/amd64, linux/arm64, darwin/arm64 and windows/amd64 stamped with VERSION, a CycloneDX
## SBOM of each, .deb and .rpm packages (nfpm: packaging/nfpm.yaml) and OCI images (podman:
## Containerfile) for linux/amd64 and linux/arm64, and SHA256SUMS. ocb generates the main
## package into ./build-dist (./build stays make build's). Needs podman and runc (Debian:
## apt-get install podman runc); it says so when they are missing.
dist: $(OCB) $(NFPM) $(CYCLONEDX)
	VERSION=$(VERSION) GO=$(GO) OCB=$(OCB) NFPM=$(NFPM) CYCLONEDX=$(CYCLONEDX) packaging/dist.sh

## dist-test: the release artifacts tried as a user would (test/e2e, build tag dist; run as
## root: it installs the .deb and runs podman): SHA256SUMS, the SBOMs, the .deb installed and its
## service run as the service user, removed and purged, the .rpm's files and scripts, the image
## run read-only as non-root and restarted on its volume. Builds dist/ first.
dist-test: dist
	$(GO) vet -tags dist ./test/e2e/
	VERSION=$(VERSION) NFPM=$(NFPM) $(GO) test -tags dist -count=1 -p 1 -timeout 15m -v -run '^TestDist[A-Z]' ./test/e2e/

# Keeps .run/storage: in a real run it holds the checkpoint and the undelivered Sumo queue.
clean:
	rm -rf $(BIN_DIR) build build-dist dist .run/demo
