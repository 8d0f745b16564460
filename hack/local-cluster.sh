#!/usr/bin/env bash
# Starts and stops a standalone local control plane (etcd + kube-apiserver,
# built from source by hack/build-controlplane.sh) and writes a kubeconfig.
# There is no scheduler and no kubelet: pods stay Pending unless their
# status is set through the status subresource.
#
# Usage: hack/local-cluster.sh start|stop|stop-apiserver|status|kubeconfig
# (stop-apiserver stops kube-apiserver alone, to test what happens while it
# is away; start brings it back with the same data.)
#
# Environment:
#   NETINV_CLUSTER_DIR   state directory (default: /tmp/netinventory-cluster)
#   NETINV_ETCD_PORT     etcd client port (default 2379; peer port is +1)
#   NETINV_API_PORT      kube-apiserver secure port (default 6443)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${NETINV_CLUSTER_DIR:-${TMPDIR:-/tmp}/netinventory-cluster}
etcd_port=${NETINV_ETCD_PORT:-2379}
api_port=${NETINV_API_PORT:-6443}
kubeconfig=$dir/kubeconfig

log() { printf '[local-cluster] %s\n' "$*" >&2; }

running() { [[ -f $dir/$1.pid ]] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

stop_one() {
  if running "$1"; then
    local pid
    pid=$(cat "$dir/$1.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped $1"
  fi
  rm -f "$dir/$1.pid"
}

credentials() {
  mkdir -p "$dir/certs"
  [[ -f $dir/token ]] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/token"
  printf '%s,admin,admin,system:masters\n' "$(cat "$dir/token")" >"$dir/tokens.csv"
  if [[ ! -f $dir/sa.key ]]; then
    openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
    openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  fi
}

write_kubeconfig() {
  cat >"$kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$api_port
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $(cat "$dir/token")
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
KUBECONFIG
}

start() {
  local bin
  bin=$("$here/build-controlplane.sh")
  mkdir -p "$dir"
  credentials
  if ! running etcd; then
    "$bin/etcd" --data-dir "$dir/etcd" --name local \
      --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
      --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
      --initial-cluster "local=http://127.0.0.1:$((etcd_port + 1))" \
      --unsafe-no-fsync >"$dir/etcd.log" 2>&1 &
    echo $! >"$dir/etcd.pid"
    log "etcd started on 127.0.0.1:$etcd_port (log: $dir/etcd.log)"
  fi
  if ! running kube-apiserver; then
    "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
      --bind-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/certs" \
      --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
      --service-account-issuer https://kubernetes.default.svc \
      --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
      --service-cluster-ip-range 10.96.0.0/16 --disable-admission-plugins ServiceAccount \
      >"$dir/kube-apiserver.log" 2>&1 &
    echo $! >"$dir/kube-apiserver.pid"
    log "kube-apiserver started on 127.0.0.1:$api_port (log: $dir/kube-apiserver.log)"
  fi
  write_kubeconfig
  local token
  token=$(cat "$dir/token")
  for _ in $(seq 120); do
    if curl -fsk -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; then
      log "ready; kubeconfig: $kubeconfig"
      echo "$kubeconfig"
      return 0
    fi
    if ! running kube-apiserver; then
      tail -20 "$dir/kube-apiserver.log" >&2
      log "kube-apiserver exited"
      return 1
    fi
    sleep 0.5
  done
  log "kube-apiserver not ready after 60 s (log: $dir/kube-apiserver.log)"
  return 1
}

case ${1:-} in
start) start ;;
stop) stop_one kube-apiserver; stop_one etcd ;;
stop-apiserver) stop_one kube-apiserver ;;
status)
  for c in etcd kube-apiserver; do
    if running "$c"; then echo "$c: running (pid $(cat "$dir/$c.pid"))"; else echo "$c: stopped"; fi
  done
  ;;
kubeconfig) echo "$kubeconfig" ;;
*) echo "usage: $0 start|stop|stop-apiserver|status|kubeconfig" >&2; exit 2 ;;
esac
