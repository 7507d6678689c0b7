#!/usr/bin/env bash
# Installs the pinned aws-cdk CLI from npm into the cache. The operator's build copies its
# bootstrap template into generated resources; tests run its `cdk bootstrap` as the baseline.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need npm "install Node.js 18 or newer"
tpl="$CDK_DIR/node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml"
if [ -f "$tpl" ] && [ "$(node -p "require('$CDK_DIR/node_modules/aws-cdk/package.json').version" 2>/dev/null)" = "$AWS_CDK_VERSION" ]; then
  log "aws-cdk $AWS_CDK_VERSION already in $CDK_DIR"
  exit 0
fi
rm -rf "$CDK_DIR.tmp"
mkdir -p "$CDK_DIR.tmp"
printf '{"name":"sbo-cdk-peer","private":true}\n' > "$CDK_DIR.tmp/package.json"
npm install --prefix "$CDK_DIR.tmp" --no-audit --no-fund --silent "aws-cdk@$AWS_CDK_VERSION"
[ -f "$CDK_DIR.tmp/node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml" ] \
  || die "aws-cdk $AWS_CDK_VERSION has no lib/api/bootstrap/bootstrap-template.yaml"
rm -rf "$CDK_DIR"
mv "$CDK_DIR.tmp" "$CDK_DIR"
log "aws-cdk $AWS_CDK_VERSION installed in $CDK_DIR"
