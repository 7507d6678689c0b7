package io.stageboundary.operator.aws;

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

  /** Which opt-in regions each member account has enabled. */
  default AccountRegions regions() {
    return AccountRegions.ALL;
  }

  @Override
  void close();
}
