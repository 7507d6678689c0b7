package io.stageboundary.operator.stage.pass;

import java.util.Optional;

/**
 * How an account differs from what the operator deployed; the name is what StageAccount status,
 * the Stage's drift counts and the {@code stage_boundary_drift_detections_total} metric show.
 */
public enum DriftReason {
  /** The policy's default version is not the rendered document. */
  PolicyModified,
  /** The boundary policy is gone. */
  PolicyDeleted,
  /** StackSet drift detection found the instance drifted (reported only; the direct checks decide). */
  StackSetDrifted,
  /** The CDK execution role (or, with applyToAllRoles, a bootstrap role) lost the boundary. */
  ExecutionRoleBoundaryRemoved,
  /** The bootstrap stack's InputPermissionsBoundary changed. */
  ParameterChanged,
  /** The bootstrap stack is gone. */
  StackDeleted,
  /** The bootstrap stack's version went down. */
  Downgraded,
  /** A new account appeared in a targeted OU after the last rollout. */
  JoinedAfterRollout,
  /** An account left the targeted OUs after the last rollout. */
  LeftTargets,
  /** The stage's SCP is no longer attached to a root, OU or account it was attached to, or is gone. */
  GuardrailDetached,
  /** The stage's SCP holds another document than the one the operator wrote. */
  GuardrailModified,
  /** Repaired again and again and changed back each time: the operator stopped writing it ({@code ContestGuard}). */
  ContestedByAnotherWriter;

  /** The reason a status holds, if it is one of ours. */
  public static Optional<DriftReason> of(String name) {
    if (name == null) {
      return Optional.empty();
    }
    for (DriftReason r : values()) {
      if (r.name().equals(name)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
