package io.stageboundary.operator.stage.pass;

/**
 * Why the operator leaves one account alone while the rest of the stage goes on; the name is the
 * StageAccount's {@code status.blocked.reason}. A blocked account is retried by itself, with a
 * backoff of its own, and picked up once the cause is gone.
 */
public enum BlockedReason {
  /** The operator's member role cannot be assumed there: it does not exist, or does not trust the operator. */
  MemberRoleMissing,
  /** The account is suspended or closing: StackSets skip it, and so does the operator. */
  AccountSuspended,
  /**
   * CloudFormation could not create the stage's policy there: a policy of that name already exists,
   * made by hand or by another stack (the brownfield case of AWS's article).
   */
  PolicyNameTaken,
  /** The account's StackSet instance failed for another reason; the instance's status reason says which. */
  StackInstanceFailed;

  /** Whether it counts against the stage's readiness: a suspended account is left out of the stage, not blocked in it. */
  public boolean holdsTheStage() {
    return this != AccountSuspended;
  }
}
