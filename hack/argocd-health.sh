#!/usr/bin/env bash
# Runs Argo CD health checks with gopher-lua, the interpreter Argo CD embeds, through the small
# runner in tools/argocd-health (built on first use into the cache, rebuilt when its source
# changes).
#
#   hack/argocd-health.sh test deploy/argocd/iam.stageboundary.io/Stage   runs its health_test.yaml
#   hack/argocd-health.sh eval <health.lua> <object.yaml>                  prints the health status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need go "install Go 1.24 or newer"
src="$REPO_ROOT/tools/argocd-health"
hash=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)
bin="$SBO_CACHE_DIR/bin/argocd-health-$hash"
if [ ! -x "$bin" ]; then
  mkdir -p "$SBO_CACHE_DIR/bin"
  log "building the Argo CD health check runner (gopher-lua)"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" .) && mv "$bin.tmp" "$bin"
fi
[ $# -gt 0 ] || exit 0
exec "$bin" "$@"
