package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * What a stage's service control policy contains, in one place (pure). It denies, to every
 * principal that is not exempt, exactly what would strip the stage's boundary where the boundary's
 * own guards cannot reach (an account administrator carries no boundary):
 *
 * <ul>
 *   <li>{@code ProtectBoundaryPolicy}: a new version, a new default version, deleting a version or
 *       the policy itself, on {@code policy/<name>} in any account;
 *   <li>{@code KeepBoundaryOnCdkRoles}: removing the boundary from a CDK bootstrap role
 *       ({@code role/cdk-<qualifier>-*});
 *   <li>{@code NoOtherBoundaryOnCdkRoles}: putting another boundary on one (putting this one stays
 *       allowed, so {@code cdk bootstrap --custom-permissions-boundary <name>} works for anyone).
 * </ul>
 *
 * Nothing else: CloudFormation, CreateRole and the role's policies stay open, so teams still run
 * {@code cdk bootstrap} upgrades and deploy. A {@code cdk bootstrap} that would clear the boundary
 * fails on the DeleteRolePermissionsBoundary CloudFormation makes with the caller's credentials, and
 * the stack rolls back. Why each choice: docs/architecture.md, "The guardrail".
 *
 * <p>Exempt: the operator's member role (it repairs drift), the StackSet execution roles (they
 * deploy the policy), the stage's exemptPrincipals, and the stage's excluded accounts (the SCP sits
 * on the OU, but an excluded account is not the stage's).
 */
public final class GuardrailPolicy {
  /**
   * AWS's default limit for one SCP, whitespace included when written through the API; an
   * organisation with another quota says so in its AwsOrganization (docs/limits.md).
   */
  public static final int MAX_CHARACTERS = AwsOrganizationSpec.Quotas.DEFAULT_SCP_CHARACTERS;
  public static final String SID_POLICY = "ProtectBoundaryPolicy";
  public static final String SID_REMOVE = "KeepBoundaryOnCdkRoles";
  public static final String SID_REPLACE = "NoOtherBoundaryOnCdkRoles";
  /** Role names StackSets deploy through: service-managed (stacksets-exec-*) and self-managed. */
  public static final List<String> STACKSET_EXECUTION_ROLES = List.of("stacksets-exec-*",
      "AWSCloudFormationStackSetExecutionRole");

  private final String name;
  private final String content;
  private final String revision;

  private GuardrailPolicy(String name, String content) {
    this.name = name;
    this.content = content;
    this.revision = CanonicalPolicy.hash(CanonicalPolicy.canonicalJson(CanonicalPolicy.parse(content)));
  }

  /** The SCP's name for a stage. */
  public static String nameFor(String stage) {
    return "stage-boundary-" + stage;
  }

  /**
   * @param exemptPrincipals ARN patterns added to the operator's member role and the StackSet roles
   * @param excludedAccounts the stage's excludeAccounts: the SCP does not apply to principals there
   */
  public static GuardrailPolicy render(String stage, String policyName, String qualifier, String partition,
      String memberRoleName, List<String> exemptPrincipals, List<String> excludedAccounts)
      throws InvalidBoundaryException {
    return render(stage, policyName, qualifier, partition, memberRoleName, exemptPrincipals, excludedAccounts,
        MAX_CHARACTERS);
  }

  /** @param maxCharacters the organisation's SCP size quota (its AwsOrganization's spec.quotas) */
  public static GuardrailPolicy render(String stage, String policyName, String qualifier, String partition,
      String memberRoleName, List<String> exemptPrincipals, List<String> excludedAccounts, int maxCharacters)
      throws InvalidBoundaryException {
    JsonNodeFactory f = JsonNodeFactory.instance;
    List<String> exempt = new ArrayList<>();
    exempt.add("arn:" + partition + ":iam::*:role/" + memberRoleName);
    STACKSET_EXECUTION_ROLES.forEach(r -> exempt.add("arn:" + partition + ":iam::*:role/" + r));
    exempt.addAll(exemptPrincipals);
    String cdkRoles = "arn:" + partition + ":iam::*:role/cdk-" + qualifier + "-*";
    String boundary = "arn:" + partition + ":iam::*:policy/" + policyName;
    ObjectNode doc = f.objectNode().put("Version", "2012-10-17");
    ArrayNode statements = doc.putArray("Statement");
    statements.add(statement(f, SID_POLICY, List.of("iam:CreatePolicyVersion", "iam:DeletePolicy",
        "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"), boundary, exempt, excludedAccounts, null));
    statements.add(statement(f, SID_REMOVE, List.of("iam:DeleteRolePermissionsBoundary"), cdkRoles, exempt,
        excludedAccounts, null));
    statements.add(statement(f, SID_REPLACE, List.of("iam:PutRolePermissionsBoundary"), cdkRoles, exempt,
        excludedAccounts, boundary));
    String content = doc.toString();
    if (content.length() > maxCharacters) {
      throw new InvalidBoundaryException(List.of("the guardrail SCP would be " + content.length()
          + " characters, over the organisation's limit of " + maxCharacters + " (AwsOrganization "
          + "spec.quotas.serviceControlPolicyCharacters, AWS's default 10,240): shorten spec.guardrail.exemptPrincipals "
          + "(or spec.targets.excludeAccounts, which the SCP exempts one by one)"));
    }
    return new GuardrailPolicy(nameFor(stage), content);
  }

  private static ObjectNode statement(JsonNodeFactory f, String sid, List<String> actions, String resource,
      List<String> exempt, List<String> excludedAccounts, String allowedBoundary) {
    ObjectNode s = f.objectNode().put("Sid", sid).put("Effect", "Deny");
    ArrayNode a = s.putArray("Action");
    actions.forEach(a::add);
    s.put("Resource", resource);
    ObjectNode condition = s.putObject("Condition");
    ArrayNode principals = condition.putObject("ArnNotLike").putArray("aws:PrincipalArn");
    exempt.forEach(principals::add);
    if (!excludedAccounts.isEmpty()) {
      ArrayNode accounts = condition.putObject("StringNotEquals").putArray("aws:PrincipalAccount");
      excludedAccounts.forEach(accounts::add);
    }
    if (allowedBoundary != null) {
      // a string key; a role's boundary can only be a policy of its own account, so * stands for it
      condition.putObject("StringNotLike").put("iam:PermissionsBoundary", allowedBoundary);
    }
    return s;
  }

  public String name() {
    return name;
  }

  /** The document as written to Organizations (compact JSON: every character counts against the limit). */
  public String content() {
    return content;
  }

  /** Hash of the document; changes whenever the policy would. */
  public String revision() {
    return revision;
  }

  /** The revision of a document as Organizations holds it. */
  public static String revisionOf(String content) {
    return CanonicalPolicy.hash(CanonicalPolicy.canonicalJson(CanonicalPolicy.parse(content)));
  }
}
