# The front door: `make run` starts a local control plane and runs the
# controller against it; `make test` runs every test. See README.md.

SHELL := /usr/bin/env bash
BIN   := $(CURDIR)/.bin
GO    ?= go

# The version both binaries report (--version, the build info metric), and
# the image's tag: the nearest tag, else the commit, "-dirty" when the tree
# has changes. make VERSION=v1.2.3 ... overrides it.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/intelligent-hpa/fittingjob-controller/pkg/version.Version=$(VERSION)
# grpcnotrace: the metrics endpoint's delegated authentication (k8s.io/apiserver)
# brings in gRPC, whose golang.org/x/net/trace uses html/template, which keeps
# the linker from dropping unused methods: without the tag the controller's
# binary is about twice as large (the Dockerfile sets it too).
GOTAGS  := grpcnotrace

.PHONY: all build generate verify verify-manifests verify-links check-rules check-bench test unit-test integration-test run run-smoke control-plane clean image release bench bench-kueue

all: build

## build: the controller and the kubectl plugin in .bin/
build:
	$(GO) build -tags $(GOTAGS) -ldflags "$(LDFLAGS)" -o $(BIN)/fittingjob-controller ./cmd/fittingjob-controller
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/kubectl-fittingjob ./cmd/kubectl-fittingjob
	install -m 0755 hack/krew/kubectl_complete-fittingjob $(BIN)/

## image: the controller's image, version stamped, with docker or podman
## (whichever is on the PATH; CONTAINER_ENGINE=... chooses).
## make image IMAGE=<registry>/fittingjob-controller:<tag>
CONTAINER_ENGINE ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)
IMAGE ?= ghcr.io/intelligent-hpa/fittingjob-controller:$(VERSION)
## PLATFORMS=linux/amd64,linux/arm64 builds a multi-platform image with
## buildx (the Dockerfile cross-compiles on the build machine).
PLATFORMS ?=
image:
	@if [ -z "$(CONTAINER_ENGINE)" ]; then echo "make image needs docker or podman on the PATH (or CONTAINER_ENGINE=...)" >&2; exit 1; fi
	$(if $(PLATFORMS),$(CONTAINER_ENGINE) buildx build --platform $(PLATFORMS),$(CONTAINER_ENGINE) build) --build-arg VERSION=$(VERSION) -t $(IMAGE) .

## release: the plugin's archives for every platform krew serves, their
## sha256 checksums, the krew manifest that points at them, and the install
## bundles (crds.yaml, install.yaml, install-namespaced.yaml, deploying
## IMAGE), in .bin/release/. RELEASE_URL is where the archives will be
## downloaded from.
RELEASE_URL ?= https://github.com/intelligent-hpa/fittingjob-controller/releases/download/$(VERSION)
release:
	VERSION="$(VERSION)" LDFLAGS="$(LDFLAGS)" RELEASE_URL="$(RELEASE_URL)" IMAGE="$(IMAGE)" GO="$(GO)" hack/release.sh $(BIN)/release

## generate: regenerate deep-copy, clientset, listers, informers and the CRD
generate:
	hack/update-codegen.sh

## verify: generated code fresh, gofmt clean, go vet clean, go.mod tidy,
## no tracked file over 1 MB, manifests render with kubectl, the
## documentation's links resolve, alerting rules and the dashboard's queries
## valid, the bench's own
## tests, the controller built with GOTAGS does not link golang.org/x/net/trace,
## and the product imports neither controller-runtime nor Kueue
verify: verify-manifests verify-links check-rules check-bench
	hack/verify-codegen.sh
	@if $(GO) list -deps -tags $(GOTAGS) ./cmd/fittingjob-controller | grep -qx golang.org/x/net/trace; then echo "golang.org/x/net/trace is linked into the controller even with -tags $(GOTAGS)"; exit 1; fi
	@# Plain client-go: no controller-runtime, and Kueue's Workloads read as unstructured objects, not through its Go API.
	@if $(GO) list -deps -tags $(GOTAGS) ./cmd/... ./pkg/... | grep -E '^sigs\.k8s\.io/(controller-runtime|kueue)(/|$$)'; then echo "the product imports controller-runtime or Kueue (above)"; exit 1; fi
	@unformatted=$$(gofmt -l cmd pkg); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@# The image's platforms (the Dockerfile cross-compiles): the controller builds for each.
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -tags $(GOTAGS) -o /dev/null ./cmd/fittingjob-controller
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags $(GOTAGS) -o /dev/null ./cmd/fittingjob-controller
	$(GO) vet ./...
	$(GO) vet -tags integration ./pkg/integration/...
	$(GO) mod tidy -diff
	@big=$$(git ls-files -z | xargs -0 -r stat -c '%s %n' 2>/dev/null | awk '$$1 > 1048576 {print $$2}'); \
	if [ -n "$$big" ]; then echo "tracked files over 1 MB (build outputs are never committed): $$big"; exit 1; fi

## verify-manifests: every kustomization renders with plain kubectl kustomize, the
## namespaced install creates nothing cluster-scoped,
## and the Deployment's GOMEMLIMIT follows its memory limit
verify-manifests:
	hack/verify-manifests.sh

## verify-links: every relative link of the Markdown files, and every link to
## this repository's files on GitHub (the alerts' runbook_url), points at a
## file and anchor that exist
verify-links:
	hack/verify-links.sh

## check-rules: the monitoring component's PrometheusRule parsed and its
## alerts unit-tested by Prometheus's own rule parser and engine, and its
## Grafana dashboard, as kubectl kustomize renders its ConfigMap, checked:
## every query parsed by Prometheus's PromQL parser, every series it selects
## one manifests/README.md lists (hack/promrules, a module of its own; go
## test downloads it on a fresh machine)
check-rules:
	@unformatted=$$(gofmt -l hack/promrules); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	cd hack/promrules && $(GO) vet ./... && $(GO) test -count=1 ./...

## check-bench: the benchmark (hack/bench, a module of its own) formatted,
## vetted, tidy, and its unit tests passing, and record.sh (which puts a
## run's report into hack/bench/README.md) tested on a fake report; make
## bench runs it
check-bench:
	@unformatted=$$(gofmt -l hack/bench); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	cd hack/bench && $(GO) vet ./... && $(GO) test -count=1 ./... && $(GO) mod tidy -diff
	hack/bench/record_test.sh

## test: verify, unit tests, integration tests on a local control plane, then the make run smoke test
test: verify unit-test integration-test run-smoke

unit-test:
	$(GO) test -race -count=1 ./...

## control-plane: build etcd, kube-apiserver, kube-controller-manager,
## kube-scheduler, kwok and Kueue (once; then only when stale)
control-plane:
	hack/cluster/build.sh $(BIN)

## integration-test: with Kueue running, so that tests can queue fits
integration-test: control-plane build
	$(BIN)/localcluster --dir $(CURDIR)/.cluster/test --bin $(BIN) --kueue run -- hack/integration.sh -v

## run: start a local control plane, install manifests/ and a sample, run the controller;
## make run KUEUE=1 also runs Kueue and installs the sample queues (manifests/samples/kueue)
KUEUE ?=
run: control-plane build
	$(BIN)/localcluster --dir $(CURDIR)/.cluster/run --bin $(BIN) $(if $(filter 1,$(KUEUE)),--kueue) run -- hack/run.sh $(BIN)/fittingjob-controller

## run-smoke: `make run` without a terminal: samples Ready, Ctrl-C, nothing left running
run-smoke: control-plane build
	hack/run-smoke.sh

clean:
	rm -rf $(BIN) $(CURDIR)/.cluster

## bench: the benchmark (hack/bench) on a private local control plane whose
## API server is limited by its own work, not by its default in-flight limits
## or API Priority and Fairness; no kube-scheduler or kwok (the bench runs no
## fits, and their heartbeats would only add noise). make bench BENCH_ARGS="-n 200"
## The report (the bench's stdout) is shown as it comes, kept in
## BENCH_OUTPUT, and, when the run succeeds, put into hack/bench/README.md in
## place of the previous run's (hack/bench/record.sh). tee -i, so that the
## report the bench prints after a Ctrl-C still reaches the terminal.
BENCH_APISERVER_FLAGS ?= --max-requests-inflight=3000 --max-mutating-requests-inflight=1000 --enable-priority-and-fairness=false
BENCH_ARGS ?=
BENCH_OUTPUT ?= $(CURDIR)/.cluster/bench-output.txt
.PHONY: bench
bench: control-plane build
	@mkdir -p $(dir $(BENCH_OUTPUT))
	set -o pipefail; BENCH_APISERVER_FLAGS="$(BENCH_APISERVER_FLAGS)" $(BIN)/localcluster --dir $(CURDIR)/.cluster/bench --bin $(BIN) --fake-nodes=0 $(addprefix --apiserver-flag=,$(BENCH_APISERVER_FLAGS)) run -- hack/bench/run.sh $(BENCH_ARGS) | tee -i $(BENCH_OUTPUT)
	hack/bench/record.sh $(BENCH_OUTPUT) '$(BENCH_ARGS)'

## bench-kueue: how long N fits started at once take until every one has
## succeeded, unqueued and queued to a ClusterQueue admitting 3 at once, side
## by side (BenchmarkQueuedFits, pkg/integration) on a local control plane
## with Kueue. make bench-kueue KUEUE_BENCHTIME=3x
KUEUE_BENCHTIME ?= 1x
bench-kueue: control-plane build
	$(BIN)/localcluster --dir $(CURDIR)/.cluster/bench-kueue --bin $(BIN) --kueue run -- \
		hack/integration.sh -run XXX -bench QueuedFits -benchtime $(KUEUE_BENCHTIME)
