#!/usr/bin/env bash
# Starts the local environment in the foreground: a kube-apiserver with etcd and the AWS emulator
# seeded with the sample organisation. Prints how to reach them and writes target/env/env.sh.
#   hack/env-up.sh [DIR]     start it, writing env.sh into DIR (default target/env); Ctrl-C stops it
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_if_asked "$@"
"$HACK_DIR/setup.sh"
cd "$REPO_ROOT"
# package, not install: nothing is written into the user's Maven repository
./mvnw -B -q -ntp -pl testenv -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
exec java -Dsbo.repo.root="$REPO_ROOT" -cp "testenv/target/classes:$(cat testenv/target/classpath.txt)" \
  io.stageboundary.testenv.EnvMain "${1:-$REPO_ROOT/target/env}"
