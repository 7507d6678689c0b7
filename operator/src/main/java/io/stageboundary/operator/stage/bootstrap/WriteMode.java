package io.stageboundary.operator.stage.bootstrap;

/** What a pass may write to a stage's bootstrap stacks. */
public enum WriteMode {
  /** First-time work and drift repairs ({@code driftRemediation: Reconcile}). */
  REPAIR,
  /** First-time work only; drift is reported, not changed ({@code driftRemediation: Report}). */
  REPORT,
  /** Nothing ({@code spec.suspend: true}); what would be written is reported. */
  SUSPENDED;

  public static WriteMode of(boolean suspended, boolean remediate) {
    return suspended ? SUSPENDED : remediate ? REPAIR : REPORT;
  }
}
