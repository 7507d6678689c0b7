package io.stageboundary.operator.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The StackSet template a stage's boundary is deployed with, and reading one back: the policy as
 * one {@code AWS::IAM::ManagedPolicy}, the revision in its Metadata, and a parameter per liftable
 * Deny statement that a BoundaryException overrides in an account's instance. What the boundary
 * contains is {@link BoundaryDocument}'s; how CloudFormation carries it is here.
 */
public final class BoundaryTemplate {
  /** The template's one resource: the managed policy. */
  public static final String TEMPLATE_RESOURCE = "Boundary";

  private BoundaryTemplate() {}

  /** A CloudFormation parameter per liftable statement: "true" in an account's instance takes it out there. */
  public static final String LIFT_PARAMETER_PREFIX = "Lift";

  /** The template parameter that lifts the statement {@code sid}. */
  public static String liftParameter(String sid) {
    return LIFT_PARAMETER_PREFIX + sid;
  }

  /** The statements an instance's parameter overrides lift: those whose lift parameter is "true". */
  public static java.util.SortedSet<String> liftedBy(Map<String, String> overrides) {
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    overrides.forEach((key, value) -> {
      if (key.startsWith(LIFT_PARAMETER_PREFIX) && "true".equals(value)) {
        out.add(key.substring(LIFT_PARAMETER_PREFIX.length()));
      }
    });
    return out;
  }

  /** The StackSet template of {@code doc}: one AWS::IAM::ManagedPolicy, the revision in its Metadata. */
  public static String render(BoundaryDocument doc) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode t = f.objectNode().put("AWSTemplateFormatVersion", "2010-09-09")
        .put("Description", "Permissions boundary of stage " + doc.stageName()
            + ", managed by stage-boundary-operator");
    t.putObject("Metadata").putObject("StageBoundary").put("Stage", doc.stageName())
        .put("Revision", doc.revision());
    ObjectNode props = t.putObject("Resources").putObject(TEMPLATE_RESOURCE)
        .put("Type", "AWS::IAM::ManagedPolicy").putObject("Properties")
        .put("ManagedPolicyName", doc.policyName())
        // Fixed on purpose: CloudFormation replaces a managed policy whose description changes,
        // and a policy in use as a boundary cannot be replaced.
        .put("Description", "Permissions boundary of stage " + doc.stageName()
            + " (stage-boundary-operator)")
        .put("Path", "/");
    List<String> liftable = doc.liftable();
    ObjectNode policy = ((ObjectNode) doc.templateDocument()).deepCopy();
    if (!liftable.isEmpty()) {
      // One parameter per Deny statement an exception may lift; an account's instance overrides it
      // (UpdateStackInstances ParameterOverrides), so one template carries every exception, each only
      // where it applies. Fn::If returning AWS::NoValue removes the statement from the list there.
      ObjectNode params = f.objectNode();
      ObjectNode conditions = f.objectNode();
      ArrayNode wrapped = f.arrayNode();
      for (String sid : liftable) {
        ObjectNode p = params.putObject(liftParameter(sid)).put("Type", "String").put("Default", "false")
            .put("Description", "true lifts statement " + sid + " in this account (a BoundaryException)");
        p.putArray("AllowedValues").add("false").add("true");
        ArrayNode eq = conditions.putObject("Lifted" + sid).putArray("Fn::Equals");
        eq.addObject().put("Ref", liftParameter(sid));
        eq.add("true");
      }
      for (JsonNode st : policy.path("Statement")) {
        String sid = st.path("Sid").asText("");
        if (liftable.contains(sid)) {
          ArrayNode branches = wrapped.addObject().putArray("Fn::If");
          branches.add("Lifted" + sid);
          branches.addObject().put("Ref", "AWS::NoValue");
          branches.add(st);
        } else {
          wrapped.add(st);
        }
      }
      policy.set("Statement", wrapped);
      t.set("Parameters", params);
      t.set("Conditions", conditions);
    }
    props.set("PolicyDocument", policy);
    t.putObject("Outputs").putObject("BoundaryArn").putObject("Value").put("Ref", TEMPLATE_RESOURCE);
    try {
      return CanonicalPolicy.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(t);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The statements of a StackSet template's policy, by sid; empty for no template. */
  public static java.util.SortedMap<String, String> statementsOf(String templateBody) {
    if (templateBody == null || templateBody.isBlank()) {
      return new java.util.TreeMap<>();
    }
    try {
      return statementsIn(CanonicalPolicy.JSON.readTree(templateBody).path("Resources").path(TEMPLATE_RESOURCE)
          .path("Properties").path("PolicyDocument"));
    } catch (JsonProcessingException e) {
      return new java.util.TreeMap<>();
    }
  }

  static java.util.SortedMap<String, String> statementsIn(JsonNode doc) {
    java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
    int i = 0;
    for (JsonNode st : doc.path("Statement")) {
      // a liftable statement is the third part of its Fn::If (the second is AWS::NoValue)
      JsonNode s = st.has("Fn::If") && st.get("Fn::If").size() == 3 ? st.get("Fn::If").get(2) : st;
      out.put(s.path("Sid").asText("statements[" + i + "]"), CanonicalPolicy.canonicalJson(s));
      i++;
    }
    return out;
  }

  /** The revision a StackSet template was rendered at, read from its Metadata. */
  public static Optional<String> revisionOf(String templateBody) {
    if (templateBody == null || templateBody.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonNode rev = CanonicalPolicy.JSON.readTree(templateBody).path("Metadata")
          .path("StageBoundary").path("Revision");
      return rev.isTextual() ? Optional.of(rev.asText()) : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }
}
