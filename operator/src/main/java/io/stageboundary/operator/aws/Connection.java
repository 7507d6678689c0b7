package io.stageboundary.operator.aws;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach one organisation, as its AwsOrganization says.
 *
 * @param keys static keys from a Secret; empty means the operator's default credentials
 * @param roleArn optional role assumed first
 * @param memberRoleName the role assumed in each member account
 * @param endpoints per-service endpoint overrides, keyed organizations|cloudformation|sts|iam|ssm
 * @param delegatedAdmin StackSets calls are made as delegated administrator (else as SELF)
 */
public record Connection(String region, Optional<AccessKeys> keys, String roleArn, String externalId,
    String memberRoleName, Map<String, URI> endpoints, boolean delegatedAdmin) {}
