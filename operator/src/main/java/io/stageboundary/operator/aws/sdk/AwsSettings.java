package io.stageboundary.operator.aws.sdk;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Everything needed to reach one organisation, resolved from its AwsOrganization spec.
 *
 * @param baseCredentials the first hop: the SDK default chain, or static keys from a Secret
 * @param roleArn optional role assumed from the base credentials
 * @param endpoints per-service endpoint overrides, keyed organizations|cloudformation|sts|iam|ssm
 */
public record AwsSettings(String region, AwsCredentialsProvider baseCredentials, String roleArn,
    String externalId, String memberRoleName, Map<String, URI> endpoints, int maxAttempts,
    java.time.Duration memberRoleRetry) {

  public Optional<URI> endpoint(String service) {
    return Optional.ofNullable(endpoints.get(service));
  }
}
