#!/usr/bin/env bash
# Builds kube-state-metrics from the Go module proxy at the version pinned in versions.env, so the
# tests can run deploy/kube-state-metrics/custom-resource-state.yaml through the real thing.
# Idempotent: when the binary reports the pinned version, it does nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need go "install Go 1.24 or newer"
V="v$KUBE_STATE_METRICS_VERSION"
current() {
  [ -x "$KSM_BIN" ] && "$KSM_BIN" version 2>&1 | grep -q "version $V "
}
if current; then
  log "kube-state-metrics $V already in $(dirname "$KSM_BIN")"
  exit 0
fi
work="$SBO_CACHE_DIR/build/kube-state-metrics-$KUBE_STATE_METRICS_VERSION"
mkdir -p "$work" "$(dirname "$KSM_BIN")"
cd "$work"
mod=$(go mod download -json "k8s.io/kube-state-metrics/v2@$V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[ -n "$mod" ] || die "cannot download k8s.io/kube-state-metrics/v2@$V"
go_line=$(grep -E '^go [0-9.]+$' "$mod")
printf 'module sbo.local/kube-state-metrics\n\n%s\n\nrequire k8s.io/kube-state-metrics/v2 %s\n' "$go_line" "$V" > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kube-state-metrics/v2"
GO
GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
log "building kube-state-metrics $V (a cold build takes a few minutes on 2 cores)"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-s -w -X github.com/prometheus/common/version.Version=$V" \
  -o "$KSM_BIN.tmp" k8s.io/kube-state-metrics/v2
mv "$KSM_BIN.tmp" "$KSM_BIN"
current || die "the built kube-state-metrics does not report $V: $("$KSM_BIN" --version 2>&1 | head -1)"
log "kube-state-metrics $V is in $(dirname "$KSM_BIN")"
