#!/usr/bin/env bash
# Creates a Python venv with the pinned moto[server] (the AWS emulator) and cfn-lint. Idempotent:
# a venv whose moto reports the pinned version is reused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need python3 "install Python 3.9 or newer"
if [ -x "$MOTO_VENV/bin/python" ] && [ "$("$MOTO_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" = "$MOTO_VERSION" ]; then
  log "moto $MOTO_VERSION already in $MOTO_VENV"
  exit 0
fi
rm -rf "$MOTO_VENV.tmp"
python3 -m venv "$MOTO_VENV.tmp"
# flask and the other server extras come with moto[server]; the venv is renamed into place only when
# the install finished, so an interrupted run never leaves a half venv behind.
"$MOTO_VENV.tmp/bin/pip" install --quiet --disable-pip-version-check "moto[server,cloudformation]==$MOTO_VERSION"
rm -rf "$MOTO_VENV"
mv "$MOTO_VENV.tmp" "$MOTO_VENV"
# A venv records its own path in scripts; the move keeps python itself usable, which is all we call.
log "moto $MOTO_VERSION installed in $MOTO_VENV"
