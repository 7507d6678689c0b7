#!/usr/bin/env bash
# Scale and speed of the packaged operator on the AWS emulator, against the real per-account
# `cdk bootstrap --custom-permissions-boundary` as the baseline. Prints a table of figures and
# writes them into docs/benchmarks.md. Not a test: nothing here passes or fails on a number.
#   hack/benchmark.sh                          3 stages x 200 accounts x 2 regions, baseline on 5 accounts
#   hack/benchmark.sh --accounts 50,100,200    one run per size (the baseline runs in the largest)
#   hack/benchmark.sh --help                   every option
set -euo pipefail
. "$(dirname "$0")/lib.sh"
for a in "$@"; do
  case "$a" in -h|--help) cat "$REPO_ROOT/benchmark/src/main/resources/usage.txt"; exit 0 ;; esac
done

"$HACK_DIR/setup.sh"
cd "$REPO_ROOT"
log "building the operator"
# package, not install: nothing is written into the user's Maven repository
./mvnw -B -q -ntp package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
exec java -Dsbo.repo.root="$REPO_ROOT" -cp "benchmark/target/classes:$(cat benchmark/target/classpath.txt)" \
  io.stageboundary.benchmark.BenchmarkMain "$@"
