#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from the Go module proxy at the versions pinned in
# versions.env and puts them where io.fabric8:kube-api-test looks for them. Idempotent: when the
# binaries already report the pinned versions, it does nothing.
#
# k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths; a
# dependency's replace lines are ignored, so a wrapper module replaces each one with its published
# v0.<minor>.<patch>. Built static (CGO_ENABLED=0) the way upstream builds release binaries.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need go "install Go 1.24 or newer"
K8S="v$KUBERNETES_VERSION"
STAGING="v0.${KUBERNETES_VERSION#1.}"
ETCD="v$ETCD_VERSION"

current() {
  [ -x "$KUBE_BIN_DIR/kube-apiserver" ] && [ -x "$KUBE_BIN_DIR/kubectl" ] && [ -x "$KUBE_BIN_DIR/etcd" ] || return 1
  # the output is read whole first: grep -q stops reading at the first match, and under pipefail the
  # writer's SIGPIPE would fail the check (kubectl and etcd print more than one line)
  local v
  v=$("$KUBE_BIN_DIR/kube-apiserver" --version 2>/dev/null) && grep -qx "Kubernetes $K8S" <<<"$v" || return 1
  v=$("$KUBE_BIN_DIR/kubectl" version --client 2>/dev/null) && grep -q "Client Version: $K8S" <<<"$v" || return 1
  v=$("$KUBE_BIN_DIR/etcd" --version 2>/dev/null) && grep -q "etcd Version: $ETCD_VERSION" <<<"$v" || return 1
}
if current; then
  log "kube-apiserver, kubectl $K8S and etcd $ETCD already in $KUBE_BIN_DIR"
  exit 0
fi

work="$SBO_CACHE_DIR/build/kubernetes-$KUBERNETES_VERSION"
mkdir -p "$work" "$KUBE_BIN_DIR"
cd "$work"
mod="$(go env GOMODCACHE)/k8s.io/kubernetes@$K8S"
[ -f "$mod/go.mod" ] || go mod download "k8s.io/kubernetes@$K8S"
staging=$(grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$mod/go.mod" | awk '{print $1}')
# The go and godebug lines must match the release's own go.mod, or the build's behaviour differs.
go_line=$(grep -E '^go [0-9.]+$' "$mod/go.mod")
godebug_line=$(grep -E '^godebug ' "$mod/go.mod" || true)
{
  echo "module sbo.local/kube-peers"
  echo
  echo "$go_line"
  [ -n "$godebug_line" ] && echo "$godebug_line"
  echo
  echo "require k8s.io/kubernetes $K8S"
  echo
  for m in $staging; do echo "replace $m => $m $STAGING"; done
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
log "resolving k8s.io/kubernetes $K8S with staging modules at $STAGING"
GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
GOFLAGS=-mod=mod go get "k8s.io/kubernetes@$K8S" >/dev/null

ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S -X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION%%.*} -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$K8S -X k8s.io/client-go/pkg/version.gitMajor=${KUBERNETES_VERSION%%.*} -X k8s.io/client-go/pkg/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
for cmd in kube-apiserver kubectl; do
  log "building $cmd $K8S (a cold build takes 10-30 minutes on 2 cores)"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags selinux,notest -ldflags "$ldflags" \
    -o "$KUBE_BIN_DIR/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
  mv "$KUBE_BIN_DIR/$cmd.tmp" "$KUBE_BIN_DIR/$cmd"
done

etcdwork="$SBO_CACHE_DIR/build/etcd-$ETCD_VERSION"
mkdir -p "$etcdwork"
cd "$etcdwork"
etcd_go=$(go mod download -json "go.etcd.io/etcd/server/v3@$ETCD" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' | xargs grep -E '^go [0-9.]+$')
printf 'module sbo.local/etcd-peer\n\n%s\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$etcd_go" "$ETCD" > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
log "building etcd $ETCD"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$KUBE_BIN_DIR/etcd.tmp" go.etcd.io/etcd/server/v3
mv "$KUBE_BIN_DIR/etcd.tmp" "$KUBE_BIN_DIR/etcd"

current || die "built binaries do not report the pinned versions; see $KUBE_BIN_DIR"
log "kube-apiserver, kubectl $K8S and etcd $ETCD are in $KUBE_BIN_DIR"
