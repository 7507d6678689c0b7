package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * Whether the Deny statements of a policy apply to one request, decided by the operator itself
 * (pure), the way IAM's evaluation logic matches a statement (IAM User Guide,
 * reference_policies_evaluation-logic.html and reference_policies_elements_condition_operators.html):
 * Action / NotAction, Resource / NotResource, and the String, Arn, Bool and Null condition
 * operators, with IfExists. A negated operator matches a request without the key; a positive one
 * does not (unless IfExists).
 *
 * <p>It proves what IAM's simulator may not: the operator's guardrail SCP conditions on
 * {@code aws:PrincipalArn}, a global key, and the IAM User Guide has said SCPs with global
 * condition keys cannot be tested in the simulator. Read back from Organizations, the SCP's own
 * statements decide the claim (an explicit Deny wins whatever else is attached). Anything it does
 * not know (another operator, a set operator, a resource pattern against a "*" request) makes the
 * answer {@link Outcome#UNDECIDABLE}, never a guess.
 */
public final class DenyEvaluation {
  private DenyEvaluation() {}

  public enum Outcome {
    /** A Deny statement applies: the request is denied, whatever any other policy says. */
    DENIED,
    /** No Deny statement applies. */
    NOT_DENIED,
    /** A statement could not be decided here, and none that could denies. */
    UNDECIDABLE
  }

  /** @param context condition keys (case-insensitive) and the request's values for them */
  public record Request(String action, String resource, Map<String, List<String>> context) {}

  /** @param statement the deciding statement's Sid (or its index) for DENIED; what could not be decided for UNDECIDABLE */
  public record Verdict(Outcome outcome, String statement) {}

  private enum Match { YES, NO, UNKNOWN }

  public static Verdict of(JsonNode policy, Request request) {
    String undecided = null;
    List<JsonNode> list = CanonicalPolicy.statements(policy);
    for (int i = 0; i < list.size(); i++) {
      JsonNode s = list.get(i);
      if (!"Deny".equals(s.path("Effect").asText())) {
        continue;
      }
      String name = s.hasNonNull("Sid") ? s.get("Sid").asText() : "Statement[" + i + "]";
      Match m = and(actionMatches(s, request.action()), resourceMatches(s, request.resource()),
          conditionsMatch(s.path("Condition"), request.context()));
      if (m == Match.YES) {
        return new Verdict(Outcome.DENIED, name);
      }
      if (m == Match.UNKNOWN && undecided == null) {
        undecided = name;
      }
    }
    return undecided == null ? new Verdict(Outcome.NOT_DENIED, null) : new Verdict(Outcome.UNDECIDABLE, undecided);
  }

  private static Match and(Match... parts) {
    Match out = Match.YES;
    for (Match m : parts) {
      if (m == Match.NO) {
        return Match.NO;
      }
      if (m == Match.UNKNOWN) {
        out = Match.UNKNOWN;
      }
    }
    return out;
  }

  private static Match actionMatches(JsonNode s, String action) {
    if (s.has("Action")) {
      return values(s.get("Action")).stream().anyMatch(p -> IamCatalogue.glob(p).matcher(action).matches())
          ? Match.YES : Match.NO;
    }
    if (s.has("NotAction")) {
      return values(s.get("NotAction")).stream().anyMatch(p -> IamCatalogue.glob(p).matcher(action).matches())
          ? Match.NO : Match.YES;
    }
    return Match.UNKNOWN;
  }

  private static Match resourceMatches(JsonNode s, String resource) {
    boolean not = !s.has("Resource") && s.has("NotResource");
    List<String> patterns = values(not ? s.get("NotResource") : s.get("Resource"));
    if (patterns.isEmpty()) {
      return Match.UNKNOWN;
    }
    if (patterns.contains("*")) {
      return not ? Match.NO : Match.YES;
    }
    if (resource.equals("*")) {
      return Match.UNKNOWN;  // a request for every resource against a pattern: not decided here
    }
    boolean any = patterns.stream().anyMatch(p -> IamCatalogue.glob(p, false).matcher(resource).matches());
    return any != not ? Match.YES : Match.NO;
  }

  private static Match conditionsMatch(JsonNode condition, Map<String, List<String>> context) {
    Match out = Match.YES;
    var operators = condition.fields();
    while (operators.hasNext()) {
      var op = operators.next();
      var keys = op.getValue().fields();
      while (keys.hasNext()) {
        var key = keys.next();
        Match m = condition(op.getKey(), values(key.getValue()), valuesOf(context, key.getKey()));
        if (m == Match.NO) {
          return Match.NO;
        }
        if (m == Match.UNKNOWN) {
          out = Match.UNKNOWN;
        }
      }
    }
    return out;
  }

  /** One operator on one key: the statement's values against the request's (null: the request has no such key). */
  private static Match condition(String operator, List<String> wanted, List<String> actual) {
    if (operator.contains(":")) {
      return Match.UNKNOWN;  // ForAnyValue / ForAllValues: set operators are not decided here
    }
    boolean ifExists = operator.endsWith("IfExists");
    String op = ifExists ? operator.substring(0, operator.length() - "IfExists".length()) : operator;
    if (op.equals("Null")) {
      boolean absent = actual == null || actual.isEmpty();
      return wanted.stream().anyMatch(v -> Boolean.parseBoolean(v) == absent) ? Match.YES : Match.NO;
    }
    boolean negated = op.contains("Not");
    BiPredicate<String, String> test = switch (op) {
      case "StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals" -> String::equals;
      case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase" -> String::equalsIgnoreCase;
      case "StringLike", "StringNotLike", "ArnLike", "ArnNotLike" ->
          (pattern, value) -> IamCatalogue.glob(pattern, false).matcher(value).matches();
      case "Bool" -> String::equalsIgnoreCase;
      default -> null;
    };
    if (test == null) {
      return Match.UNKNOWN;
    }
    if (actual == null || actual.isEmpty()) {
      return ifExists || negated ? Match.YES : Match.NO;
    }
    boolean any = actual.stream().anyMatch(value -> wanted.stream().anyMatch(w -> test.test(w, value)));
    return any != negated ? Match.YES : Match.NO;
  }

  private static List<String> valuesOf(Map<String, List<String>> context, String key) {
    return context.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(key)).map(Map.Entry::getValue)
        .findFirst().orElse(null);
  }

  private static List<String> values(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull() || node.isMissingNode()) {
      return out;
    }
    if (node.isArray()) {
      node.forEach(v -> out.add(v.asText()));
    } else {
      out.add(node.asText());
    }
    return out;
  }
}
