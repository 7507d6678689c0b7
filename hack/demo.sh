#!/usr/bin/env bash
# The operator's main job on the embedded default: starts a real kube-apiserver + etcd and the AWS
# emulator seeded with an organisation (11 member accounts in nested OUs), runs the operator as
# it would run in a cluster, applies the sample organisation, the shared rules and the dev/beta/prod
# stages, approves prod's plan (prod is Manual), waits for them to be Ready and shows what the
# operator reports, what one account now holds, and IAM's proof of the boundary and the guardrail.
#   hack/demo.sh                 run, show, stop everything
#   hack/demo.sh --keep-running  leave it all running and print how to reach it
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_if_asked "$@"
keep=false
[ "${1:-}" = "--keep-running" ] && keep=true

"$HACK_DIR/setup.sh"
cd "$REPO_ROOT"
log "building the operator"
# package, not install: the demo leaves the user's Maven repository as it was
./mvnw -B -q -ntp package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

dir="$REPO_ROOT/target/demo"
rm -rf "$dir"
mkdir -p "$dir"
pids=()
cleanup() {
  if [ "$keep" = false ]; then
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
  fi
}
trap cleanup EXIT

log "starting kube-apiserver + etcd and the AWS emulator"
java -Dsbo.repo.root="$REPO_ROOT" -cp "testenv/target/classes:$(cat testenv/target/classpath.txt)" \
  io.stageboundary.testenv.EnvMain "$dir/env" > "$dir/environment.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do [ -f "$dir/env/env.sh" ] && break; sleep 0.5; done
[ -f "$dir/env/env.sh" ] || die "the environment did not start; see $dir/environment.log"
# shellcheck disable=SC1091
. "$dir/env/env.sh"

log "bootstrapping CDK in most accounts with the real cdk CLI, as the teams had done (dev-data is left unbootstrapped)"
targets=""
for a in 200000000001 200000000002 300000000001 300000000002 400000000001 400000000002 400000000003 400000000004; do
  targets="$targets $a:us-east-1"
done
for a in 400000000001 400000000002 400000000003 400000000004; do targets="$targets $a:eu-west-1"; done
# shellcheck disable=SC2086
java -Dsbo.repo.root="$REPO_ROOT" -cp "testenv/target/classes:$(cat testenv/target/classpath.txt)" \
  io.stageboundary.testenv.CdkBootstrapMain "$AWS_ENDPOINT_URL" $targets > "$dir/cdk-bootstrap.log" 2>&1 \
  || die "cdk bootstrap failed; see $dir/cdk-bootstrap.log"

log "installing the CRDs"
kubectl apply --server-side -f crds/ >/dev/null
# kubectl wait fails outright while a new CRD has no conditions yet: retry until it can answer
for _ in $(seq 1 60); do
  kubectl wait --for condition=Established --timeout=5s crd/stages.iam.stageboundary.io \
    crd/awsorganizations.iam.stageboundary.io crd/stageaccounts.iam.stageboundary.io >/dev/null 2>&1 && break
  sleep 0.5
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log "starting the operator (health and metrics on http://127.0.0.1:$port/q/)"
QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1 SBO_POLL_INTERVAL=1s SBO_AWS_ENDPOINT="$AWS_ENDPOINT_URL" \
  java -Xmx256m -jar operator/target/quarkus-app/quarkus-run.jar > "$dir/operator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "${pids[1]}" 2>/dev/null || die "the operator exited; see $dir/operator.log"
  sleep 0.5
done

log "applying samples/organization.yaml, the shared org-baseline rules and the dev, beta and prod stages"
kubectl apply --server-side -f samples/organization.yaml -f samples/boundary-rules.yaml \
  -f samples/stage-dev.yaml -f samples/stage-beta.yaml -f samples/stage-prod.yaml
start=$(date +%s)
kubectl wait --for=condition=Ready awsorganization/main --timeout=120s >/dev/null
kubectl wait --for=condition=Ready stage/dev stage/beta --timeout=300s >/dev/null \
  || { kubectl get stages -o wide; die "the stages did not become Ready; see $dir/operator.log"; }
# prod is Manual: the operator plans, writes nothing, and waits for a person to approve the plan
for _ in $(seq 1 120); do
  plan=$(kubectl get stage prod -o jsonpath='{.status.plan.id}')
  [ -n "$plan" ] && break
  sleep 0.5
done
[ -n "$plan" ] || die "prod posted no plan; see $dir/operator.log"
echo
echo "\$ kubectl get stage prod -o jsonpath=...   # prod is Manual: its plan, nothing written yet"
kubectl get stage prod -o jsonpath='{.status.conditions[?(@.type=="Reconciling")].message}{"\n"}statements added: {.status.plan.statementsAdded}{"\n"}accounts to add: {.status.plan.accountsToAdd}{"\n"}bootstrap stacks: {.status.plan.bootstrapStacks}{"\n"}guardrail: {.status.plan.guardrail}{"\n"}'
echo
echo "\$ kubectl annotate stage prod --overwrite iam.stageboundary.io/approve=$plan"
kubectl annotate stage prod --overwrite "iam.stageboundary.io/approve=$plan"
kubectl wait --for=condition=Ready stage/prod --timeout=300s >/dev/null \
  || { kubectl get stages -o wide; die "prod did not become Ready; see $dir/operator.log"; }
echo
echo "All stages Ready $(( $(date +%s) - start ))s after apply (prod's plan approved on the way)."
echo
echo "\$ kubectl get awsorganizations,boundaryrules,stages,stageaccounts"
kubectl get awsorganizations,boundaryrules,stages,stageaccounts
echo
echo "\$ kubectl get stage prod -o jsonpath='{.status.cdkContext}'   # what an app in prod puts in cdk.json"
kubectl get stage prod -o jsonpath='{.status.cdkContext}'
echo
echo
echo "\$ kubectl get stageaccount prod.400000000003 -o jsonpath=...   # status.bootstrap, one line per region"
kubectl get stageaccount prod.400000000003 -o jsonpath='{range .status.bootstrap[*]}{.region}: {.state}, version {.version}, execution role boundary {.executionRoleBoundary}, trusts {.trustedAccounts[*]} with {.executionPolicies[*]}{"\n"}{end}'
echo
echo "The boundary the operator deployed to prod-eu-payments (400000000003), read back from IAM:"
"$MOTO_VENV/bin/python" "$HACK_DIR/show-boundary.py" 400000000003 developer-policy-prod
echo
# every account's probes are on its StageAccount; wait until prod's have run everywhere
kubectl wait --for=condition=Enforced stage/prod --timeout=120s >/dev/null \
  || die "prod's enforcement probes did not pass; see kubectl get stageaccounts -l iam.stageboundary.io/stage=prod -o yaml"
echo "\$ kubectl get stageaccount prod.400000000003 -o jsonpath='{.status.enforcement}'   # the proof, per account"
kubectl get stageaccount prod.400000000003 -o jsonpath='{.status.enforcement}'
echo
echo
echo "And what the boundary is for, asked of IAM directly (SimulatePrincipalPolicy):"
"$MOTO_VENV/bin/python" "$HACK_DIR/show-proof.py" 400000000003 developer-policy-prod us-east-1
echo
# prod's guardrail: an SCP on the prod OU, proven by its own probes
kubectl wait --for=condition=Guarded stage/prod --timeout=120s >/dev/null \
  || die "prod's guardrail is not in place; see kubectl get stage prod -o jsonpath='{.status.conditions}'"
echo "\$ kubectl get stage prod -o jsonpath='{.status.guardrail}'   # the stage's service control policy"
kubectl get stage prod -o jsonpath='{.status.guardrail}'
echo
echo
echo "And what the guardrail is for, asked of IAM directly:"
"$MOTO_VENV/bin/python" "$HACK_DIR/show-guardrail.py" 400000000003 300000000001 us-east-1

if [ "$keep" = true ]; then
  cat <<MSG

Everything keeps running. In another shell:
  source $dir/env/env.sh
  kubectl get stages
  kubectl edit stage prod              # change a statement and watch it roll out
Operator log: $dir/operator.log   Health/metrics: http://127.0.0.1:$port/q/health  /q/metrics
Stop with: kill ${pids[*]}
MSG
  trap - EXIT
fi
