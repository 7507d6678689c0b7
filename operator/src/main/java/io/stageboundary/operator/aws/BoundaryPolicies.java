package io.stageboundary.operator.aws;

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
