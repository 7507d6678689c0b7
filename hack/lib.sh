# Shared by the scripts in hack/: pinned versions, the cache location, small helpers.
# Sourced, never executed.
HACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HACK_DIR/.." && pwd)
# shellcheck source=versions.env
. "$HACK_DIR/versions.env"

# Everything the peers need is built or installed here, outside the repository, so a second run
# (or a second clone) is fast. Override with SBO_CACHE_DIR.
SBO_CACHE_DIR=${SBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stage-boundary-operator}
# Laid out the way io.fabric8:kube-api-test expects: $KUBE_API_TEST_DIR/k8s/<version>-linux-amd64/.
KUBE_API_TEST_DIR=${KUBE_API_TEST_DIR:-$SBO_CACHE_DIR/kubeapitest}
KUBE_BIN_DIR="$KUBE_API_TEST_DIR/k8s/${KUBERNETES_VERSION}-linux-amd64"
MOTO_VENV="$SBO_CACHE_DIR/moto-$MOTO_VERSION"
CDK_DIR="$SBO_CACHE_DIR/aws-cdk-$AWS_CDK_VERSION"
IAM_DATA_DIR="$SBO_CACHE_DIR/iam-data-$IAM_DATA_VERSION"
IAM_SIMULATE_DIR="$SBO_CACHE_DIR/iam-simulate-$IAM_SIMULATE_VERSION"
KSM_BIN="$SBO_CACHE_DIR/kube-state-metrics-$KUBE_STATE_METRICS_VERSION/kube-state-metrics"
HELM_BIN="$SBO_CACHE_DIR/helm-$HELM_VERSION/helm"
THIRD_PARTY_CRDS_DIR="$SBO_CACHE_DIR/third-party-crds"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required but not on PATH ($2)"; }

# Prints the calling script's header comment (its usage) and exits, when asked with -h or --help:
# before anything is set up or built, so a new user gets an answer at once.
help_if_asked() {
  local a
  for a in "$@"; do
    case "$a" in
      -h|--help)
        sed -n '2,/^[^#]/{/^#/{s/^# \{0,1\}//;p}}' "$0"
        exit 0 ;;
    esac
  done
}
