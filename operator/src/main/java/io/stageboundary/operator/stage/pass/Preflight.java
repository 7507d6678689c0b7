package io.stageboundary.operator.stage.pass;

/**
 * What a plan found by reading only, before any write, that will keep an account (or one region of
 * it) from converging: the plan lists each, so a user reads them against a real organisation
 * before approving. {@code region} is null when the whole account is concerned.
 */
public record Preflight(String account, String region, Reason reason, String message) {

  /** The reason, as the plan's {@code blockers[].reason} names it. */
  public enum Reason {
    /** The operator's member role cannot be assumed: nothing in the account can be read or written. */
    MemberRoleMissing,
    /** A policy of the stage's name exists already (made by hand or by another stack): CloudFormation cannot create it. */
    PolicyNameTaken,
    /** Not a blocker: a policy of the stage's name exists and spec.boundary.adoptExisting takes it over. */
    PolicyToAdopt,
    /** An opt-in region the account has not enabled: left alone. */
    RegionNotEnabled,
    /** The bootstrap stack is in a failed state (or a version that needs a human): not updated until fixed. */
    BootstrapStackFailed,
    /** The bootstrap stack has an operation in progress: looked at again once it ends. */
    BootstrapStackInProgress,
    /** The bootstrap stack is another variant, or another qualifier's: never overwritten. */
    ForeignBootstrap,
    /** It could not be read now (throttling, an outage): the plan could not say. */
    NotReadable
  }

  /** One line, as an event or a log names it. */
  public String line() {
    return account + (region == null ? "" : "/" + region) + ": " + reason + " (" + message + ")";
  }
}
