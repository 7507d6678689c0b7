package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * The statements every boundary carries, whatever a Stage says. Together they make the boundary
 * impossible to escape for a principal it caps: nobody creates a user or role, or sets a
 * boundary, unless that boundary is this policy; nobody edits or deletes this policy; nobody
 * removes a boundary. IAM evaluates an explicit Deny before any Allow, so no statement a Stage
 * adds can switch these off. (The CDK CLI's example boundary has the first Deny as an Allow,
 * which denies nothing; ours denies.)
 */
public final class Guards {
  public static final String ALLOW_ALL_SID = "ExplicitAllowAll";
  public static final String ALLOW_LISTED_SID = "AllowListedActions";
  public static final String REQUIRE_BOUNDARY_SID = "DenyAccessIfRequiredPermBoundaryIsNotBeingApplied";
  public static final String PROTECT_POLICY_SID = "DenyPermBoundaryIAMPolicyAlteration";
  public static final String KEEP_BOUNDARIES_SID = "DenyRemovalOfPermBoundaryFromAnyUserOrRole";
  public static final Set<String> RESERVED_SIDS = Set.of(ALLOW_ALL_SID, ALLOW_LISTED_SID,
      REQUIRE_BOUNDARY_SID, PROTECT_POLICY_SID, KEEP_BOUNDARIES_SID);

  static final List<String> CREATE_ACTIONS = List.of("iam:CreateUser", "iam:CreateRole",
      "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary");
  static final List<String> ALTER_POLICY_ACTIONS = List.of("iam:CreatePolicyVersion",
      "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion");
  static final List<String> REMOVE_BOUNDARY_ACTIONS = List.of("iam:DeleteUserPermissionsBoundary",
      "iam:DeleteRolePermissionsBoundary");

  private Guards() {}

  /**
   * The guard statements for a boundary whose own ARN is {@code selfArn} (a literal ARN, or the
   * CloudFormation Fn::Sub form resolved per account).
   */
  static List<ObjectNode> statements(Object selfArn, List<String> allowedActions) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode allow = f.objectNode();
    if (allowedActions == null || allowedActions.isEmpty()) {
      allow.put("Sid", ALLOW_ALL_SID).put("Effect", "Allow").put("Action", "*").put("Resource", "*");
    } else {
      allow.put("Sid", ALLOW_LISTED_SID).put("Effect", "Allow");
      ArrayNode actions = allow.putArray("Action");
      allowedActions.forEach(actions::add);
      allow.put("Resource", "*");
    }

    ObjectNode requireBoundary = f.objectNode().put("Sid", REQUIRE_BOUNDARY_SID).put("Effect", "Deny");
    CREATE_ACTIONS.forEach(requireBoundary.putArray("Action")::add);
    requireBoundary.put("Resource", "*");
    ObjectNode notEquals = f.objectNode();
    notEquals.set("iam:PermissionsBoundary", Arns.node(selfArn));
    requireBoundary.putObject("Condition").set("StringNotEquals", notEquals);

    ObjectNode protect = f.objectNode().put("Sid", PROTECT_POLICY_SID).put("Effect", "Deny");
    ALTER_POLICY_ACTIONS.forEach(protect.putArray("Action")::add);
    protect.set("Resource", Arns.node(selfArn));

    ObjectNode keep = f.objectNode().put("Sid", KEEP_BOUNDARIES_SID).put("Effect", "Deny");
    REMOVE_BOUNDARY_ACTIONS.forEach(keep.putArray("Action")::add);
    keep.put("Resource", "*");
    return List.of(allow, requireBoundary, protect, keep);
  }
}
