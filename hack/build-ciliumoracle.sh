#!/usr/bin/env bash
# Compiles the Cilium policy oracle (hack/ciliumoracle/), a test program that
# runs Cilium's own policy repository, and caches it outside the work tree so
# every clone on this machine reuses it. It lives in its own module because
# Cilium's policy packages build only against Cilium's dependency set, which
# the main module cannot link. Prints the binary's path on its last line.
#
# The first build takes about 3 minutes on 2 cores; later runs take seconds.
#
# Environment:
#   NETINV_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/netinventory)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$here/ciliumoracle
cache=${NETINV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netinventory}

stamp=$({ cat "$src/go.mod" "$src/go.sum" "$src"/*.go; go env GOVERSION; } | sha256sum | cut -c1-16)
out="$cache/ciliumoracle/$stamp"
bin="$out/cilium-policy-oracle"

log() { printf '[build-ciliumoracle] %s\n' "$*" >&2; }

if [[ -x $bin ]]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi

mkdir -p "$out"
start=$SECONDS
log "building the Cilium policy oracle into $out (first time: a few minutes) ..."
(cd "$src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
log "done in $((SECONDS - start)) s"
echo "$bin"
