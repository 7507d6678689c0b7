package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads an organisation's resource-based delegation policy (Organizations PutResourcePolicy) the
 * way Organizations applies it to a delegated administrator, for the one question the operator
 * asks: may this account manage service control policies? An action counts as granted when an
 * Allow statement names the account (its root ARN, its id, or *), matches the action, and has no
 * condition other than {@code organizations:PolicyType} admitting SERVICE_CONTROL_POLICY; and no
 * Deny statement matches it the same way. A condition this reading does not understand grants
 * nothing here: the AwsOrganization then says what is missing rather than promise a right.
 */
public final class DelegationPolicy {
  /** What the operator calls to keep a stage's SCP (docs/iam/delegation-policy.json grants them). */
  public static final List<String> SCP_ACTIONS = List.of("organizations:AttachPolicy",
      "organizations:CreatePolicy", "organizations:DeletePolicy", "organizations:DescribePolicy",
      "organizations:DetachPolicy", "organizations:ListPolicies", "organizations:ListPoliciesForTarget",
      "organizations:ListTagsForResource", "organizations:ListTargetsForPolicy", "organizations:TagResource",
      "organizations:UpdatePolicy");
  private static final String SCP = "SERVICE_CONTROL_POLICY";

  private DelegationPolicy() {}

  /** The actions of {@link #SCP_ACTIONS} the policy does not grant to {@code account}; empty when all are. */
  public static List<String> missing(String policyDocument, String account) {
    JsonNode doc = CanonicalPolicy.parse(policyDocument);
    List<String> missing = new ArrayList<>();
    for (String action : SCP_ACTIONS) {
      boolean allowed = false;
      boolean denied = false;
      for (JsonNode s : CanonicalPolicy.statements(doc)) {
        if (!names(s.get("Principal"), account) || !matches(s.get("Action"), action)
            || !admitsServiceControlPolicies(s.get("Condition"))) {
          continue;
        }
        if ("Deny".equals(s.path("Effect").asText())) {
          denied = true;
        } else if ("Allow".equals(s.path("Effect").asText())) {
          allowed = true;
        }
      }
      if (!allowed || denied) {
        missing.add(action);
      }
    }
    return missing;
  }

  private static boolean names(JsonNode principal, String account) {
    if (principal == null) {
      return false;
    }
    if (principal.isTextual()) {
      return principal.asText().equals("*");
    }
    for (JsonNode p : values(principal.get("AWS"))) {
      String v = p.asText();
      if (v.equals("*") || v.equals(account) || v.matches("arn:[a-z-]+:iam::" + account + ":root")) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(JsonNode actions, String action) {
    for (JsonNode a : values(actions)) {
      if (IamCatalogue.glob(a.asText().toLowerCase(Locale.ROOT)).matcher(action.toLowerCase(Locale.ROOT)).matches()) {
        return true;
      }
    }
    return false;
  }

  /** No condition, or only organizations:PolicyType conditions that SERVICE_CONTROL_POLICY satisfies. */
  private static boolean admitsServiceControlPolicies(JsonNode condition) {
    if (condition == null || condition.isEmpty()) {
      return true;
    }
    var operators = condition.fields();
    while (operators.hasNext()) {
      var op = operators.next();
      String operator = op.getKey().replaceFirst("IfExists$", "");
      var keys = op.getValue().fields();
      while (keys.hasNext()) {
        var key = keys.next();
        if (!key.getKey().equalsIgnoreCase("organizations:PolicyType")) {
          return false;
        }
        boolean any = false;
        for (JsonNode v : values(key.getValue())) {
          any |= switch (operator) {
            case "StringEquals", "StringEqualsIgnoreCase" -> v.asText().equalsIgnoreCase(SCP);
            case "StringLike" -> IamCatalogue.glob(v.asText()).matcher(SCP).matches();
            default -> false;
          };
        }
        if (!any) {
          return false;
        }
      }
    }
    return true;
  }

  private static List<JsonNode> values(JsonNode node) {
    List<JsonNode> out = new ArrayList<>();
    if (node == null) {
      return out;
    }
    if (node.isArray()) {
      node.forEach(out::add);
    } else {
      out.add(node);
    }
    return out;
  }
}
