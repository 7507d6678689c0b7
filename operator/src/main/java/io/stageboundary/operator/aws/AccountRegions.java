package io.stageboundary.operator.aws;

import java.util.Set;

/**
 * Which regions are enabled in a member account. Regions AWS introduced before 20 March 2019 are
 * enabled in every account and cannot be disabled; later ones are opt-in, off until someone
 * enables them (Account Management, manage-acct-regions.html), and nothing can be deployed there
 * while they are off: not a StackSet instance, not a bootstrap stack.
 */
public interface AccountRegions {
  /** The regions every account has (ENABLED_BY_DEFAULT); asking about them costs no call. */
  Set<String> ENABLED_BY_DEFAULT = Set.of(
      "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
      "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
      "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-south-1",
      "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1");

  /** Whether {@code region} is enabled (or enabled by default) in {@code accountId}. */
  boolean enabled(String accountId, String region);

  /** Every region enabled everywhere: for organisations that use no opt-in region, and for tests. */
  AccountRegions ALL = (account, region) -> true;
}
