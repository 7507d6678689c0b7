#!/usr/bin/env bash
# Installs everything the tests and the demo need, into the cache outside the repository:
# kube-apiserver + etcd + kubectl (built from the Go module proxy), the AWS emulator venv, the
# aws-cdk CLI, kube-state-metrics, helm (and third-party CRDs for dry runs), the Argo CD health
# check runner, and Maven itself (through ./mvnw). Idempotent; a second run takes seconds.
#   hack/setup.sh            install what is missing (a first run: 8-17 minutes on 2 cores)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_if_asked "$@"

need java "install a JDK 17 or newer"
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || die "Java 17 or newer is required (found ${java_major:-none})"
need go "install Go 1.24 or newer"
need python3 "install Python 3.9 or newer"
need npm "install Node.js 18 or newer"

start=$(date +%s)
# Say up front what a first run builds and how long it takes, so nobody thinks it hangs.
missing=()
[ -x "$KUBE_BIN_DIR/kube-apiserver" ] && [ -x "$KUBE_BIN_DIR/etcd" ] || missing+=("kube-apiserver, etcd and kubectl (built from source: 9-14 minutes)")
[ -x "$KSM_BIN" ] || missing+=("kube-state-metrics (built: about a minute)")
[ -x "$HELM_BIN" ] || missing+=("helm (built: about a minute)")
[ -d "$MOTO_VENV" ] || missing+=("the AWS emulator (moto, from PyPI)")
[ -d "$CDK_DIR" ] || missing+=("the aws-cdk CLI (npm)")
if [ ${#missing[@]} -gt 0 ]; then
  log "first setup into $SBO_CACHE_DIR; installing:"
  for m in "${missing[@]}"; do log "  - $m"; done
  log "about 8-17 minutes in all on 2 cores when everything is missing; later runs take seconds"
fi
"$HACK_DIR/install-kube.sh"
"$HACK_DIR/install-moto.sh"
"$HACK_DIR/install-cdk.sh"
"$HACK_DIR/install-iam-data.sh"
"$HACK_DIR/install-iam-simulate.sh"
"$HACK_DIR/install-ksm.sh"
"$HACK_DIR/install-helm.sh"
"$HACK_DIR/argocd-health.sh"
"$REPO_ROOT/mvnw" -v >/dev/null
log "peers ready in $(( $(date +%s) - start ))s; cache: $SBO_CACHE_DIR ($(du -sh "$SBO_CACHE_DIR" 2>/dev/null | cut -f1))"
