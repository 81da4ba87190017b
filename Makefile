# The front door: `make run` starts a local control plane and runs the
# controller against it; `make test` runs every test. See README.md.

SHELL := /usr/bin/env bash
BIN   := $(CURDIR)/.bin
GO    ?= go

.PHONY: all build generate verify test unit-test integration-test run run-smoke control-plane clean

all: build

## build: the controller and the kubectl plugin in .bin/
build:
	$(GO) build -o $(BIN)/fittingjob-controller ./cmd/fittingjob-controller
	$(GO) build -o $(BIN)/kubectl-fittingjob ./cmd/kubectl-fittingjob

## generate: regenerate deep-copy, clientset, listers, informers and the CRD
generate:
	hack/update-codegen.sh

## verify: generated code fresh, gofmt clean, go vet clean, go.mod tidy
verify:
	hack/verify-codegen.sh
	@unformatted=$$(gofmt -l cmd pkg); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration ./pkg/integration/...
	$(GO) mod tidy -diff

## test: verify, unit tests, integration tests on a local control plane, then the make run smoke test
test: verify unit-test integration-test run-smoke

unit-test:
	$(GO) test -race -count=1 ./...

## control-plane: build etcd, kube-apiserver, kube-controller-manager (once; then only when stale)
control-plane:
	hack/cluster/build.sh $(BIN)

integration-test: control-plane build
	$(BIN)/localcluster --dir $(CURDIR)/.cluster/test --bin $(BIN) run -- hack/integration.sh -v

## run: start a local control plane, install manifests/ and a sample, run the controller
run: control-plane build
	$(BIN)/localcluster --dir $(CURDIR)/.cluster/run --bin $(BIN) run -- hack/run.sh $(BIN)/fittingjob-controller

## run-smoke: `make run` without a terminal: samples Ready, Ctrl-C, nothing left running
run-smoke: control-plane build
	hack/run-smoke.sh

clean:
	rm -rf $(BIN) $(CURDIR)/.cluster

## bench: the benchmark (hack/bench) on a private local control plane whose
## API server is limited by its own work, not by its default in-flight limits
## or API Priority and Fairness. make bench BENCH_ARGS="-n 200"
BENCH_APISERVER_FLAGS ?= --max-requests-inflight=3000 --max-mutating-requests-inflight=1000 --enable-priority-and-fairness=false
BENCH_ARGS ?=
.PHONY: bench
bench: control-plane build
	BENCH_APISERVER_FLAGS="$(BENCH_APISERVER_FLAGS)" $(BIN)/localcluster --dir $(CURDIR)/.cluster/bench --bin $(BIN) $(addprefix --apiserver-flag=,$(BENCH_APISERVER_FLAGS)) run -- hack/bench/run.sh $(BENCH_ARGS)
