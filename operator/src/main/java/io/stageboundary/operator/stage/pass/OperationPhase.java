package io.stageboundary.operator.stage.pass;

/**
 * Where a StackSet operation the operator started stands; the name is
 * {@code status.stackSet.lastOperation.status}. REQUESTED: the id is recorded, the request may not
 * have reached AWS yet. The others are AWS's own operation statuses.
 */
public enum OperationPhase {
  REQUESTED, QUEUED, RUNNING, STOPPING, SUCCEEDED, FAILED, STOPPED;

  /** Requested or running: the next pass follows it instead of starting other work. */
  public boolean open() {
    return this == REQUESTED || this == RUNNING;
  }

  public static OperationPhase of(String name) {
    return name == null ? null : valueOf(name);
  }
}
