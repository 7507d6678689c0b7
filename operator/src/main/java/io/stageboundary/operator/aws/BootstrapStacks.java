package io.stageboundary.operator.aws;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The CDK bootstrap stack of one account and region, through the member role. */
public interface BootstrapStacks {

  Optional<StackView> describe(String stackName);

  /**
   * The name of the stack in this account and region that made the resource with this physical id
   * (an IAM policy's ARN, say); empty when none did (it was made by hand, or in another region).
   */
  Optional<String> stackOwning(String physicalResourceId);

  /**
   * Updates the stack; {@code templateBody} empty means the previous template. A null value in
   * {@code parameters} means UsePreviousValue.
   *
   * @return false when CloudFormation found nothing to change
   */
  boolean update(String stackName, Optional<String> templateBody, Map<String, String> parameters);

  void create(String stackName, String templateBody, Map<String, String> parameters);

  /** The role's permissions boundary ARN; empty string when it has none; empty when no such role. */
  Optional<String> roleBoundary(String roleName);

  /**
   * As {@link #roleBoundary}, as a read of the whole account's IAM at most {@code maxAge} old shows
   * it (see {@link BoundaryPolicies#recentDefaultVersion}), and taken after the operator's last
   * write into the account: one read serves the policy and every role of the account. After a
   * stack update, {@code maxAge} reaches back no further than the read that saw the stack complete,
   * so a read taken while the update ran does not answer.
   */
  default Optional<String> recentRoleBoundary(String roleName, Duration maxAge) {
    return roleBoundary(roleName);
  }

  /**
   * A digest of what the role holds besides its boundary (its trust policy, attached and inline
   * policies), from the same recent read as {@link #recentRoleBoundary}: a bootstrap stack changed
   * out of band (trusted accounts, execution policies) changes its roles. Empty when the role does
   * not exist or the read cannot tell.
   */
  default Optional<String> recentRoleDigest(String roleName, Duration maxAge) {
    return Optional.empty();
  }

  /** Puts the boundary back on a bootstrap role it was removed from (drift repair). */
  void putRoleBoundary(String roleName, String policyArn);

  /** Whether a managed policy exists in the account (IAM GetPolicy), before a role is given it. */
  boolean managedPolicyExists(String policyArn);

  /**
   * IAM's own evaluation of requests by a role of this account (SimulatePrincipalPolicy): every
   * action on every resource, with these context values; the role's boundary applies.
   */
  List<Simulated> simulate(String roleName, List<String> actions, List<String> resources,
      Map<String, List<String>> context);

  /** What IAM decided for one action on one resource. */
  record Simulated(String action, String resource, Decision decision, Boolean allowedByBoundary,
      List<String> decisiveStatements, Boolean allowedByOrganizations) {
    /** Without the organisation's part (no SCPs apply to the account). */
    public Simulated(String action, String resource, Decision decision, Boolean allowedByBoundary,
        List<String> decisiveStatements) {
      this(action, resource, decision, allowedByBoundary, decisiveStatements, null);
    }
  }

  /** IAM's EvalDecision. */
  enum Decision { ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY }

  /** The /cdk-bootstrap/&lt;qualifier&gt;/version parameter. */
  Optional<Integer> bootstrapVersion(String qualifier);

  record StackView(String name, String status, String statusReason, Map<String, String> parameters,
      Optional<Integer> versionOutput) {}

  /** Roles the bootstrap template creates, in the order the template declares them. */
  static List<String> bootstrapRoles(String qualifier, String account, String region) {
    return List.of("file-publishing-role", "image-publishing-role", "lookup-role", "deploy-role",
        "cfn-exec-role").stream()
        .map(r -> "cdk-" + qualifier + "-" + r + "-" + account + "-" + region).toList();
  }

  static String executionRole(String qualifier, String account, String region) {
    return "cdk-" + qualifier + "-cfn-exec-role-" + account + "-" + region;
  }
}
