package io.stageboundary.operator.aws;

import java.util.Optional;

/** The boundary policy in one member account, read and (for drift repair) written directly. */
public interface BoundaryPolicies {

  /** The default version's document (URL-decoded JSON), or empty when the policy does not exist. */
  Optional<String> defaultDocument(String policyArn);

  /** Makes {@code document} the default version, deleting the oldest other version at IAM's limit of five. */
  void restoreDocument(String policyArn, String document);

  /** Creates the policy again after it was deleted out of band (same name, so the same ARN). */
  void recreate(String policyName, String description, String document);
}
