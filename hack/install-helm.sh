#!/usr/bin/env bash
# Builds helm from the Go module proxy at the version pinned in versions.env (the tests lint and
# render the chart with it), and fetches the third-party CRDs the tests dry-run samples and chart
# options against: Argo CD's Application and the Prometheus Operator's ServiceMonitor, from their
# published Go modules. Idempotent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need go "install Go 1.24 or newer"
V="v$HELM_VERSION"
if [ -x "$HELM_BIN" ] && "$HELM_BIN" version --template '{{.Version}}' 2>/dev/null | grep -qx "$V"; then
  log "helm $V already in $(dirname "$HELM_BIN")"
else
  work="$SBO_CACHE_DIR/build/helm-$HELM_VERSION"
  mkdir -p "$work" "$(dirname "$HELM_BIN")"
  cd "$work"
  mod=$(go mod download -json "helm.sh/helm/v3@$V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -n "$mod" ] || die "cannot download helm.sh/helm/v3@$V"
  go_line=$(grep -E '^go [0-9.]+$' "$mod")
  printf 'module sbo.local/helm\n\n%s\n\nrequire helm.sh/helm/v3 %s\n' "$go_line" "$V" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' > tools.go
  GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
  log "building helm $V (a cold build takes a few minutes on 2 cores)"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$V" \
    -o "$HELM_BIN.tmp" helm.sh/helm/v3/cmd/helm
  mv "$HELM_BIN.tmp" "$HELM_BIN"
  "$HELM_BIN" version --template '{{.Version}}' | grep -qx "$V" \
    || die "the built helm does not report $V: $("$HELM_BIN" version 2>&1)"
  log "helm $V is in $(dirname "$HELM_BIN")"
fi

fetch_crd() {  # module version path-in-module target-name
  local dir
  [ -f "$THIRD_PARTY_CRDS_DIR/$4" ] && return 0
  dir=$(go mod download -json "$1@$2" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -n "$dir" ] && [ -f "$dir/$3" ] || die "cannot find $3 in $1@$2"
  mkdir -p "$THIRD_PARTY_CRDS_DIR"
  cp "$dir/$3" "$THIRD_PARTY_CRDS_DIR/$4.tmp" && mv "$THIRD_PARTY_CRDS_DIR/$4.tmp" "$THIRD_PARTY_CRDS_DIR/$4"
  chmod u+w "$THIRD_PARTY_CRDS_DIR/$4"
}
fetch_crd github.com/argoproj/argo-cd/v3 "v$ARGOCD_VERSION" manifests/crds/application-crd.yaml \
  "argocd-$ARGOCD_VERSION-applications.yaml"
fetch_crd github.com/prometheus-operator/prometheus-operator "v$PROMETHEUS_OPERATOR_VERSION" \
  example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml \
  "prometheus-operator-$PROMETHEUS_OPERATOR_VERSION-servicemonitors.yaml"
fetch_crd github.com/prometheus-operator/prometheus-operator "v$PROMETHEUS_OPERATOR_VERSION" \
  example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml \
  "prometheus-operator-$PROMETHEUS_OPERATOR_VERSION-prometheusrules.yaml"
log "third-party CRDs are in $THIRD_PARTY_CRDS_DIR"
