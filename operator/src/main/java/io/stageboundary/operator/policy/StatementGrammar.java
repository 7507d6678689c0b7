package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IAM's policy grammar for one of a stage's statements: sid, effect, exactly one of
 * actions/notActions and of resources/notResources, condition operators and keys, and the
 * substitutions a boundary allows. Renders the statement, or says what to change.
 */
final class StatementGrammar {
  private static final Pattern SID = Pattern.compile("^[A-Za-z0-9]{1,100}$");
  private static final Pattern ACTION = Pattern.compile("^(\\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$");
  private static final Pattern CONDITION_KEY = Pattern.compile("^[A-Za-z0-9-]+:\\S+$");
  private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{(AWS::[A-Za-z]+)}");
  private static final Set<String> SUBSTITUTED = Set.of("AWS::AccountId", "AWS::Partition");
  private static final Set<String> CONDITION_OPERATORS = Set.of("StringEquals", "StringNotEquals",
      "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
      "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
      "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals",
      "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "Bool",
      "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals",
      "ArnNotLike", "Null");
  private StatementGrammar() {}

  static boolean isAction(String value) {
    return ACTION.matcher(value).matches();
  }

  static ObjectNode render(String path, StageSpec.Statement s, Set<String> sids,
      List<String> problems) {
    if (s == null) {
      problems.add(path + " is empty");
      return null;
    }
    int before = problems.size();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (s.sid() != null) {
      if (!SID.matcher(s.sid()).matches()) {
        problems.add(path + ".sid '" + s.sid() + "' may contain only letters and digits");
      } else if (Guards.RESERVED_SIDS.contains(s.sid())) {
        problems.add(path + ".sid '" + s.sid() + "' is reserved for the operator's guard statements; choose another");
      } else if (!sids.add(s.sid())) {
        problems.add(path + ".sid '" + s.sid() + "' is used by an earlier statement; sids must be unique");
      }
      out.put("Sid", s.sid());
    }
    if (s.effect() == null) {
      problems.add(path + ".effect is required: Allow or Deny");
    } else {
      out.put("Effect", s.effect().name());
    }
    list(path, "actions", "notActions", s.actions(), s.notActions(), "Action", "NotAction", out,
        problems, true);
    list(path, "resources", "notResources", s.resources(), s.notResources(), "Resource",
        "NotResource", out, problems, false);
    if (s.conditions() != null && !s.conditions().isEmpty()) {
      ObjectNode condition = out.putObject("Condition");
      for (Map.Entry<String, Map<String, List<String>>> op : s.conditions().entrySet()) {
        if (!isConditionOperator(op.getKey())) {
          problems.add(path + ".conditions: '" + op.getKey() + "' is not an IAM condition operator "
              + "(e.g. StringEquals, ArnLike, Bool, with optional IfExists or ForAnyValue:/ForAllValues:)");
          continue;
        }
        ObjectNode keys = condition.putObject(op.getKey());
        if (op.getValue() == null || op.getValue().isEmpty()) {
          problems.add(path + ".conditions." + op.getKey() + " needs at least one condition key");
          continue;
        }
        for (Map.Entry<String, List<String>> key : op.getValue().entrySet()) {
          if (!CONDITION_KEY.matcher(key.getKey()).matches()) {
            problems.add(path + ".conditions." + op.getKey() + ": '" + key.getKey()
                + "' is not a condition key (service:key, e.g. aws:RequestedRegion)");
          }
          if (key.getValue() == null || key.getValue().isEmpty()) {
            problems.add(path + ".conditions." + op.getKey() + "." + key.getKey() + " needs at least one value");
            continue;
          }
          keys.set(key.getKey(), values(path, key.getValue(), problems));
        }
      }
    }
    return problems.size() == before ? out : null;
  }

  private static void list(String path, String field, String notField, List<String> values,
      List<String> notValues, String key, String notKey, ObjectNode out, List<String> problems,
      boolean actions) {
    boolean has = values != null && !values.isEmpty();
    boolean hasNot = notValues != null && !notValues.isEmpty();
    if (has == hasNot) {
      problems.add(path + " needs exactly one of " + field + " or " + notField);
      return;
    }
    List<String> chosen = has ? values : notValues;
    String name = has ? field : notField;
    for (int i = 0; i < chosen.size(); i++) {
      String v = chosen.get(i);
      if (v == null || v.isBlank()) {
        problems.add(path + "." + name + "[" + i + "] is empty");
      } else if (actions && !ACTION.matcher(v).matches()) {
        problems.add(path + "." + name + "[" + i + "] '" + v
            + "' is not an IAM action: write service:Action, e.g. config:* or iam:CreateUser");
      } else if (!actions && !v.equals("*") && !v.startsWith("arn:")) {
        problems.add(path + "." + name + "[" + i + "] '" + v + "' must be * or an ARN");
      }
    }
    out.set(has ? key : notKey, actions ? strings(chosen) : values(path, chosen, problems));
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    values.forEach(a::add);
    return a;
  }

  /** Values, with ${AWS::AccountId}/${AWS::Partition} turned into Fn::Sub for CloudFormation. */
  private static ArrayNode values(String path, List<String> values, List<String> problems) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (String v : values) {
      if (v != null && v.contains("${")) {
        Matcher m = SUBSTITUTION.matcher(v);
        while (m.find()) {
          if (!SUBSTITUTED.contains(m.group(1))) {
            problems.add(path + ": ${" + m.group(1) + "} is not substituted in a boundary; only "
                + "${AWS::AccountId} and ${AWS::Partition} are (a policy is global, not per region)");
          }
        }
        // In Fn::Sub, ${!x} is a literal ${x}: IAM policy variables like ${aws:username} stay.
        String escaped = v.replaceAll("\\$\\{(?!AWS::AccountId}|AWS::Partition})", "\\${!");
        a.add(JsonNodeFactory.instance.objectNode().put("Fn::Sub", escaped));
      } else {
        a.add(v);
      }
    }
    return a;
  }

  private static boolean isConditionOperator(String op) {
    String o = op;
    if (o.startsWith("ForAllValues:")) {
      o = o.substring("ForAllValues:".length());
    } else if (o.startsWith("ForAnyValue:")) {
      o = o.substring("ForAnyValue:".length());
    }
    if (o.endsWith("IfExists") && !o.equals("NullIfExists")) {
      o = o.substring(0, o.length() - "IfExists".length());
    }
    return CONDITION_OPERATORS.contains(o);
  }
}
