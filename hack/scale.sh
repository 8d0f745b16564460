#!/usr/bin/env bash
# A scale run: a local control plane filled with a synthetic cluster, the
# manager run against it, and what it takes: time to the first complete
# inventory, recompute duration, memory. Stops everything it started.
#
# Usage: hack/scale.sh [PODS] [POLICIES]    (default 5000 500)
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
go build -o bin/manager ./cmd
go run ./hack/fixture -crds project,gateway-api,envoy-gateway,cilium,external-dns,flux
go run ./hack/scale -pods "$pods" -policies "$policies"
"$bin/kubectl" apply -f - <<YAML
apiVersion: netinventory.io/v1alpha1
kind: NetworkInventory
metadata: {name: cluster}
YAML
start=$SECONDS
bin/manager --leader-elect=false --metrics-secure=false --metrics-bind-address=127.0.0.1:28080 --health-probe-bind-address=127.0.0.1:28081 \
  >"$NETINV_CLUSTER_DIR/manager.log" 2>&1 &
manager_pid=$!
want=$("$bin/kubectl" get pods -A --no-headers --field-selector=status.phase=Running | wc -l)
until [[ $("$bin/kubectl" get netinv cluster -o jsonpath='{.status.summary.pods}' 2>/dev/null) == "$want" ]]; do
  sleep 1
  if (( SECONDS - start > 600 )); then echo "no complete inventory after 600 s" >&2; exit 1; fi
done
echo "first complete inventory of $want pods after $((SECONDS - start)) s"
sleep 15 # a few more recomputes and the resync settle
curl -fs http://127.0.0.1:28080/metrics | grep -E '^netinventory_recompute_duration_seconds_(sum|count)|^netinventory_status_writes_total'
grep -E 'VmRSS|VmHWM' "/proc/$manager_pid/status"
"$bin/kubectl" get netinv -o wide
echo "status size: $("$bin/kubectl" get netinv cluster -o json | wc -c) bytes"
