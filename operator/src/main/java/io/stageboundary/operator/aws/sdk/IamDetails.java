package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.BoundaryPolicies.Version;
import io.stageboundary.operator.policy.CanonicalPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.EntityType;
import software.amazon.awssdk.services.iam.model.GetAccountAuthorizationDetailsResponse;
import software.amazon.awssdk.services.iam.model.ManagedPolicyDetail;
import software.amazon.awssdk.services.iam.model.RoleDetail;

/**
 * One member account's IAM as one GetAccountAuthorizationDetails read shows it (roles and customer
 * managed policies, paged at 1,000): the boundary of each CDK role ({@code cdk-*}) and a digest of
 * what else it holds (trust policy, attached and inline policies), and the default version of the
 * policies those roles carry as boundary and of the one asked about. The checks at
 * rest of one account, its boundary policy and its CDK roles in every region, are served by this
 * one call instead of one each; it serves checks for as long as they allow (at most
 * {@link #KEPT_FOR}) and only while the operator wrote nothing into the account since
 * ({@link AwsAccess.MemberAccess#wrote}). Only what the checks need is kept, so thousands of
 * accounts cost little memory.
 */
final class IamDetails {
  /** How long a read is kept at all: the checks of one account at rest fall within a few passes. */
  static final Duration KEPT_FOR = Duration.ofMinutes(10);
  private static final String CDK_ROLES = "cdk-";

  private final Instant takenAt;
  private final long writes;
  private final Map<String, String> roleBoundaries;
  private final Map<String, String> roleDigests;
  private final Set<String> policyArns;
  private final Map<String, Version> defaults;

  private IamDetails(Instant takenAt, long writes, Map<String, String> roleBoundaries, Map<String, String> roleDigests,
      Set<String> policyArns, Map<String, Version> defaults) {
    this.takenAt = takenAt;
    this.writes = writes;
    this.roleBoundaries = roleBoundaries;
    this.roleDigests = roleDigests;
    this.policyArns = policyArns;
    this.defaults = defaults;
  }

  /** Reads the account's roles and customer managed policies, keeping what the checks need. */
  static IamDetails read(IamClient iam, String askedPolicyArn, Instant now, long writes) {
    Map<String, String> roles = new HashMap<>();
    Map<String, String> digests = new HashMap<>();
    Map<String, ManagedPolicyDetail> policies = new HashMap<>();
    String marker = null;
    do {
      String from = marker;
      GetAccountAuthorizationDetailsResponse page = iam.getAccountAuthorizationDetails(r -> r
          .filter(EntityType.ROLE, EntityType.LOCAL_MANAGED_POLICY).maxItems(1000).marker(from));
      for (RoleDetail role : page.roleDetailList()) {
        if (role.roleName().startsWith(CDK_ROLES)) {
          roles.put(role.roleName(), role.permissionsBoundary() == null ? ""
              : role.permissionsBoundary().permissionsBoundaryArn());
          digests.put(role.roleName(), digest(role));
        }
      }
      page.policies().forEach(p -> policies.put(p.arn(), p));
      marker = Boolean.TRUE.equals(page.isTruncated()) ? page.marker() : null;
    } while (marker != null);
    Set<String> kept = new HashSet<>(roles.values());
    if (askedPolicyArn != null) {
      kept.add(askedPolicyArn);
    }
    Map<String, Version> defaults = new HashMap<>();
    for (String arn : kept) {
      ManagedPolicyDetail p = policies.get(arn);
      if (p == null) {
        continue;
      }
      p.policyVersionList().stream().filter(v -> Boolean.TRUE.equals(v.isDefaultVersion())).findFirst()
          .ifPresent(v -> defaults.put(arn, new Version(v.versionId(), SdkBoundaryPolicies.decoded(v.document()))));
    }
    return new IamDetails(now, writes, Map.copyOf(roles), Map.copyOf(digests), Set.copyOf(policies.keySet()),
        Map.copyOf(defaults));
  }

  /** What a role holds besides its boundary, in a few bytes: its trust policy, attached and inline policies. */
  private static String digest(RoleDetail role) {
    StringBuilder s = new StringBuilder(String.valueOf(role.assumeRolePolicyDocument()));
    role.attachedManagedPolicies().stream().map(p -> p.policyArn()).sorted().forEach(a -> s.append('|').append(a));
    role.rolePolicyList().stream().map(p -> p.policyName() + "=" + p.policyDocument()).sorted()
        .forEach(p -> s.append('|').append(p));
    return CanonicalPolicy.hash(s.toString());
  }

  /** Whether this read may still serve a check at {@code now}: younger than {@code maxAge}, and nothing written since. */
  boolean fresh(Instant now, long writesNow, Duration maxAge) {
    Duration age = maxAge.compareTo(KEPT_FOR) < 0 ? maxAge : KEPT_FOR;
    return writes == writesNow && takenAt.plus(age).isAfter(now);
  }

  /** Whether this read can tell about {@code policyArn}: its default version kept, or known not to exist. */
  boolean answers(String policyArn) {
    return defaults.containsKey(policyArn) || !policyArns.contains(policyArn);
  }

  /** The role's boundary ARN (empty string: none); empty when the account has no such CDK role. */
  Optional<String> roleBoundary(String roleName) {
    return Optional.ofNullable(roleBoundaries.get(roleName));
  }

  /** A digest of the role's trust, attached and inline policies; empty when the account has no such CDK role. */
  Optional<String> roleDigest(String roleName) {
    return Optional.ofNullable(roleDigests.get(roleName));
  }

  /** The policy's default version; empty when the account has no such policy. */
  Optional<Version> defaultVersion(String policyArn) {
    return Optional.ofNullable(defaults.get(policyArn));
  }
}
