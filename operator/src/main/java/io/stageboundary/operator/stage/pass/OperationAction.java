package io.stageboundary.operator.stage.pass;

/** What a StackSet operation the operator starts does; the name is {@code status.stackSet.lastOperation.action}. */
public enum OperationAction {
  UPDATE(true),
  CREATE_INSTANCES(true),
  DELETE_INSTANCES(true),
  RETRY(true),
  /** One account's parameter overrides (the statements a BoundaryException lifts there). */
  OVERRIDE(true),
  /**
   * Drift detection's id is the same for the whole drift check interval, so a restart finds the
   * running detection through OperationIdAlreadyExists: no need to record the id first.
   */
  DETECT_DRIFT(false);

  private final boolean writeAhead;

  OperationAction(boolean writeAhead) {
    this.writeAhead = writeAhead;
  }

  /** The operation id goes to the cluster before the request goes to AWS. */
  public boolean writeAhead() {
    return writeAhead;
  }

  public static OperationAction of(String name) {
    return name == null ? null : valueOf(name);
  }
}
