#!/usr/bin/env bash
# Creates a Python venv with the pinned moto[server] (the AWS emulator), cfn-lint and waitress (the
# emulator workers' HTTP server). Idempotent: a venv whose moto and waitress report the pinned
# versions is reused; one with the right moto only gets waitress added.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need python3 "install Python 3.9 or newer"
version_of() {
  "$MOTO_VENV/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true
}
if [ -x "$MOTO_VENV/bin/python" ] && [ "$(version_of moto)" = "$MOTO_VERSION" ]; then
  if [ "$(version_of waitress)" != "$WAITRESS_VERSION" ]; then
    "$MOTO_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "waitress==$WAITRESS_VERSION"
    log "waitress $WAITRESS_VERSION added to $MOTO_VENV"
  fi
  log "moto $MOTO_VERSION already in $MOTO_VENV"
  exit 0
fi
rm -rf "$MOTO_VENV.tmp"
python3 -m venv "$MOTO_VENV.tmp"
# flask and the other server extras come with moto[server]; the venv is renamed into place only when
# the install finished, so an interrupted run never leaves a half venv behind.
"$MOTO_VENV.tmp/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server,cloudformation]==$MOTO_VERSION" \
  "waitress==$WAITRESS_VERSION"
rm -rf "$MOTO_VENV"
mv "$MOTO_VENV.tmp" "$MOTO_VENV"
# A venv records its own path in scripts; the move keeps python itself usable, which is all we call.
log "moto $MOTO_VERSION installed in $MOTO_VENV"
