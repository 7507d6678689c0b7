package io.stageboundary.operator.aws;

import java.time.Instant;
import java.util.Optional;

/**
 * Everything the controllers do in one organisation's AWS accounts, behind our own interfaces:
 * the organisation's structure and StackSets as the operator's identity, and per member account
 * the boundary policy and the bootstrap stacks through the member role.
 */
public interface OrganizationAws extends AutoCloseable {
  /** The organisation's home region (Organizations and StackSets calls). */
  String region();

  /** The account the operator's credentials act in (STS GetCallerIdentity). */
  String callerAccountId();

  OrganizationDirectory directory();

  BoundaryStackSets stackSets();

  ServiceControlPolicies serviceControlPolicies();

  BoundaryPolicies policies(String accountId);

  BootstrapStacks bootstrapStacks(String accountId, String region);

  /**
   * Until when calls in a member account go on the session the operator holds there now; the first
   * call after takes a new one (STS AssumeRole). Empty when it holds none. A session of a role
   * assumed by a role lasts an hour at most, so a check at rest an hour after the last needs a new
   * one unless it comes a little early (docs/architecture.md, "Checks at rest").
   */
  default Optional<Instant> sessionReusableUntil(String accountId) {
    return Optional.empty();
  }

  /** Which opt-in regions each member account has enabled. */
  default AccountRegions regions() {
    return AccountRegions.ALL;
  }

  @Override
  void close();
}
