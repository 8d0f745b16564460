# netinventory: an operator that keeps a living inventory of what a cluster
# exposes and how well it is guarded.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
export GOTOOLCHAIN := local

TOOLS := go tool -modfile=hack/tools/go.mod
CONTROLLER_GEN := $(TOOLS) controller-gen
# Directory of the control-plane binaries (built once, cached outside the tree).
ASSETS = $(shell hack/build-controlplane.sh)
# The Cilium policy oracle the differential test runs (built once, cached).
ORACLE = $(shell hack/build-ciliumoracle.sh)
GO_TEST_FLAGS ?= -count=1
BENCH ?= .

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
		/^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
		/^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: ## Generate deepcopy code, the CRD (config/crd and the chart) and RBAC from the Go types and markers.
	$(CONTROLLER_GEN) object paths=./api/... paths=./internal/externaldns/... paths=./internal/snapshot/...
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	cp config/crd/bases/*.yaml charts/netinventory/crds/
	$(CONTROLLER_GEN) rbac:roleName=netinventory-manager paths=./internal/controller/... output:rbac:artifacts:config=config/rbac

.PHONY: fmt
fmt: ## Format the Go code.
	gofmt -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet and check formatting.
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt would change the files above"; exit 1; }

.PHONY: controlplane
controlplane: ## Build kube-apiserver, etcd and kubectl from source (cached; ~15 min the first time).
	hack/build-controlplane.sh

.PHONY: oracle
oracle: ## Build the Cilium policy oracle of the differential test (cached; ~3 min the first time).
	hack/build-ciliumoracle.sh

.PHONY: test
test: vet controlplane oracle ## Run every test: unit, golden, differential against Cilium, envtest suites and e2e, against a real API server.
	KUBEBUILDER_ASSETS="$(ASSETS)" NETINV_CILIUM_ORACLE="$(ORACLE)" go test $(GO_TEST_FLAGS) ./...

.PHONY: test-unit
test-unit: ## Run the tests that need no API server.
	go test $(GO_TEST_FLAGS) -short ./...

.PHONY: golden
golden: ## Regenerate the golden files (review the diff!).
	go test ./... -run Golden -update

.PHONY: bench
bench: ## Run the engine benchmarks.
	go test -run '^$$' -bench '$(BENCH)' -benchmem ./internal/inventory/...

.PHONY: bench-audit
bench-audit: build ## Wall time and peak memory of the offline audit on generated corpora of AUDIT_PODS pods (default 10000,50000).
	go run ./hack/auditbench -plugin bin/kubectl-netinv -pods $(or $(AUDIT_PODS),10000,50000)

.PHONY: bench-flux
bench-flux: build ## Time and peak memory of auditing a generated Flux repository of FLUX_RELEASES HelmReleases (cold, warm, offline chart cache).
	go run ./hack/fluxbench -releases $(or $(FLUX_RELEASES),100) -plugin bin/kubectl-netinv

.PHONY: scale
scale: controlplane ## Scale run: a local control plane with SCALE_PODS pods and SCALE_POLICIES policies, measured.
	hack/scale.sh $(or $(SCALE_PODS),5000) $(or $(SCALE_POLICIES),500)

##@ Build

.PHONY: build
build: ## Build the manager and the kubectl plugin into bin/.
	go build -o bin/manager ./cmd
	@if [ -d cmd/kubectl-netinv ]; then go build -o bin/kubectl-netinv ./cmd/kubectl-netinv; fi

##@ Demo

.PHONY: demo
demo: build controlplane ## Start a local control plane, apply the homelab fixture, run the manager and print the inventory.
	hack/demo.sh

.PHONY: cluster-up
cluster-up: controlplane ## Start the local control plane (prints its kubeconfig).
	hack/local-cluster.sh start

.PHONY: cluster-down
cluster-down: ## Stop the local control plane.
	hack/local-cluster.sh stop
