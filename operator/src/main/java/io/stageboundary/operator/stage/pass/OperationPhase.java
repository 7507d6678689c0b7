package io.stageboundary.operator.stage.pass;

import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;

/**
 * Where a StackSet operation the operator started stands; the name is
 * {@code status.stackSet.lastOperation.status}. REQUESTED: the id is recorded, the request may not
 * have reached AWS yet. The others are AWS's own operation statuses.
 */
public enum OperationPhase {
  REQUESTED, QUEUED, RUNNING, STOPPING, SUCCEEDED, FAILED, STOPPED;

  /** Requested, running or stopping: the next pass follows it instead of starting other work. */
  public boolean open() {
    return this == REQUESTED || running();
  }

  /** AWS runs it (a request not yet known to AWS is REQUESTED, not running). */
  public boolean running() {
    return this == QUEUED || this == RUNNING || this == STOPPING;
  }

  /** Whether {@code op} is a StackSet rollout operation AWS is running (drift detection is not one). */
  public static boolean rolling(StageStatus.Operation op) {
    return op != null && op.status() != null && valueOf(op.status()).running()
        && OperationAction.of(op.action()) != OperationAction.DETECT_DRIFT;
  }

  public static OperationPhase of(String name) {
    return name == null ? null : valueOf(name);
  }
}
