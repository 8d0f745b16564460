#!/usr/bin/env bash
# The demo: a local control plane, the homelab fixture applied (statuses
# included), the manager running against it, and the inventory printed.
# The manager keeps running, so the inventory follows changes you make with
# kubectl; Ctrl-C stops everything the demo started.
#
# Environment:
#   NETINV_DEMO_EXIT=1   print the inventory and stop (for scripts)
set -euo pipefail

cd "$(dirname "$0")/.."
bin=$(hack/build-controlplane.sh)
kubeconfig=$(hack/local-cluster.sh start)
export KUBECONFIG=$kubeconfig
kubectl() { "$bin/kubectl" "$@"; }

manager_pid=""
cleaned=""
cleanup() {
  [[ -n $cleaned ]] && return
  cleaned=1
  [[ -n $manager_pid ]] && kill "$manager_pid" 2>/dev/null && wait "$manager_pid" 2>/dev/null || true
  hack/local-cluster.sh stop
}
trap cleanup INT TERM EXIT

echo "== installing the CRDs and applying test/fixtures/homelab" >&2
go run ./hack/fixture test/fixtures/homelab

echo "== starting the manager (log: bin/demo-manager.log)" >&2
mkdir -p bin
bin/manager --leader-elect=false --metrics-secure=false --metrics-bind-address=127.0.0.1:18080 \
  --health-probe-bind-address=127.0.0.1:18081 >bin/demo-manager.log 2>&1 &
manager_pid=$!

# Wait for the manager's first recompute (the status may be left from an
# earlier run: it is rewritten only when its content changes).
for i in $(seq 120); do
  if curl -fs http://127.0.0.1:18080/metrics 2>/dev/null | grep -q '^netinventory_recomputes_total{result="success"}'; then
    break
  fi
  if ! kill -0 "$manager_pid" 2>/dev/null || [[ $i == 120 ]]; then
    tail -20 bin/demo-manager.log >&2
    echo "the manager did not compute the inventory" >&2
    exit 1
  fi
  sleep 0.5
done
kubectl wait --for=condition=Ready networkinventory/cluster --timeout=60s >/dev/null
# Let the initial burst of events settle into the final inventory.
sleep 3

echo
echo "\$ kubectl get networkinventory -o wide"
kubectl get networkinventory -o wide
echo
echo "\$ kubectl get networkinventory cluster -o yaml   (its status)"
kubectl get networkinventory cluster -o yaml | sed -n '/^status:/,$p'

if [[ ${NETINV_DEMO_EXIT:-0} == 1 ]]; then
  exit 0
fi
cat >&2 <<MSG

The manager keeps the inventory live. In another terminal:
  export KUBECONFIG=$kubeconfig
  $bin/kubectl get netinv -w
Ctrl-C stops the manager and the control plane.
MSG
wait "$manager_pid"
