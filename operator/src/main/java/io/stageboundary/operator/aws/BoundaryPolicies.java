package io.stageboundary.operator.aws;

import java.time.Duration;
import java.util.Optional;

/** The boundary policy in one member account, read and (for drift repair) written directly. */
public interface BoundaryPolicies {

  /** The policy's default version: IAM's version id (v1, v2 …) and its document (URL-decoded JSON). */
  record Version(String id, String document) {}

  /**
   * The default version, or empty when the policy does not exist. {@code likely} (may be null) is
   * the version id expected to be the default: it is asked for directly, one call, and used when
   * IAM says it is the default; otherwise the policy is read first to learn which is (two calls).
   */
  Optional<Version> defaultVersion(String policyArn, String likely);

  /**
   * The default version as a read of the account's whole IAM shows it (one
   * GetAccountAuthorizationDetails call returns every role's boundary and every customer managed
   * policy's versions), read again when it is older than {@code maxAge} or this operator wrote into
   * the account since. For checks at rest, where that one call serves the policy and every CDK role
   * of the account, instead of a call for each.
   */
  default Optional<Version> recentDefaultVersion(String policyArn, Duration maxAge) {
    return defaultVersion(policyArn, null);
  }

  /**
   * A policy of that ARN as IAM describes it: how many users, groups and roles it is attached to,
   * and how many it is the permissions boundary of; empty when there is none.
   */
  record Existing(int attachments, int boundaryOf) {}

  /** Whether the policy exists, and how much it is used (one GetPolicy call). */
  Optional<Existing> existing(String policyArn);

  /** Makes {@code document} the default version, deleting the oldest other version at IAM's limit of five. */
  void restoreDocument(String policyArn, String document);

  /** Creates the policy again after it was deleted out of band (same name, so the same ARN). */
  void recreate(String policyName, String description, String document);
}
