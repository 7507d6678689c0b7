#!/usr/bin/env bash
# Regenerates the CRDs from the API classes and copies them into crds/ (and the Helm chart, when it
# exists). CrdsUpToDateTest fails the build when the committed copies differ from the generated.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
./mvnw -B -q -ntp -pl operator -am process-test-classes -DskipTests
mkdir -p crds
rm -f crds/*.yaml
cp operator/target/crds-final/*.yaml crds/
if [ -d helm/stage-boundary-operator ]; then
  mkdir -p helm/stage-boundary-operator/crds
  rm -f helm/stage-boundary-operator/crds/*.yaml
  cp crds/*.yaml helm/stage-boundary-operator/crds/
fi
ls crds
