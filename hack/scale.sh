#!/usr/bin/env bash
# A scale run: a local control plane filled with a synthetic cluster, the
# manager run against it, and what it takes (hack/scalemeasure): time to
# the first complete inventory, memory settled and peak, heap in use, the
# latency of a change to the status, status writes while idle, status size.
# Stops everything it started.
#
# Usage: [MANAGER=path] [SCALE_CHANGE=policy|pod] hack/scale.sh [PODS] [POLICIES]    (default 5000 500)
set -euo pipefail
cd "$(dirname "$0")/.."
pods=${1:-5000}
policies=${2:-500}
export NETINV_CLUSTER_DIR=${TMPDIR:-/tmp}/netinventory-scale NETINV_ETCD_PORT=22379 NETINV_API_PORT=26443
rm -rf "$NETINV_CLUSTER_DIR"
bin=$(hack/build-controlplane.sh)
export KUBECONFIG=$(hack/local-cluster.sh start)
manager_pid=""
cleanup() {
  [[ -n $manager_pid ]] && kill "$manager_pid" 2>/dev/null || true
  hack/local-cluster.sh stop
  rm -rf "$NETINV_CLUSTER_DIR"
}
trap cleanup EXIT
# MANAGER: another manager binary to measure (an older build, say).
manager=${MANAGER:-bin/manager}
[[ -n ${MANAGER:-} ]] || go build -o bin/manager ./cmd
# The binary measured is a copy made by cp: how a binary's file sits in the
# page cache changes how many of its pages the process maps, which the RSS
# counts (the plugin's --help: 99 MiB fresh from the linker, 67 MiB as a cp
# copy on one machine); every build is measured as such a copy.
cp "$manager" "$NETINV_CLUSTER_DIR/manager"
manager=$NETINV_CLUSTER_DIR/manager
go run ./hack/fixture -crds project,gateway-api,envoy-gateway,cilium,external-dns,flux
go run ./hack/scale -pods "$pods" -policies "$policies"
"$bin/kubectl" apply -f - <<YAML
apiVersion: netinventory.io/v1alpha1
kind: NetworkInventory
metadata: {name: cluster}
YAML
go build -o bin/scalemeasure ./hack/scalemeasure
# Counted before the manager starts, so that listing them does not compete
# with the manager's own first list.
want=$("$bin/kubectl" get pods -A --no-headers --field-selector=status.phase=Running | wc -l)
started=$(date +%s%3N)
"$manager" --leader-elect=false --metrics-secure=false --metrics-bind-address=127.0.0.1:28080 --health-probe-bind-address=127.0.0.1:28081 \
  $( [[ -n ${SCALE_PPROF:-} ]] && echo --pprof-bind-address=127.0.0.1:28082 ) \
  >"$NETINV_CLUSTER_DIR/manager.log" 2>&1 &
manager_pid=$!
# First complete inventory, memory settled and peak, heap in use, change
# latency over the debounce (p50/p95 of 20 changes), status writes while
# idle, status size: one Markdown table row.
bin/scalemeasure -pid "$manager_pid" -metrics http://127.0.0.1:28080/metrics -pods "$want" -started "$started" \
  -changes "${SCALE_CHANGES:-20}" -change "${SCALE_CHANGE:-policy}"
"$bin/kubectl" get netinv -o wide
