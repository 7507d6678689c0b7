#!/usr/bin/env bash
# The whole test suite: installs the peers if needed, then builds and runs every test tier
# (unit, real API server, end-to-end against kube-apiserver + the AWS emulator).
# Extra arguments go to Maven, e.g. hack/test.sh -Dtest=StageRolloutTest -Dsurefire.failIfNoSpecifiedTests=false
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_if_asked "$@"

"$HACK_DIR/setup.sh"
cd "$REPO_ROOT"
status=0
"$REPO_ROOT/mvnw" -B -ntp clean verify "$@" || status=$?
"$HACK_DIR/test-summary.sh" || true
exit $status
