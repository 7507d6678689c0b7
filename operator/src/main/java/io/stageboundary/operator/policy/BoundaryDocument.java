package io.stageboundary.operator.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a stage's boundary contains, in one place: the guard statements ({@link Guards}) and then
 * the stage's own statements. Rendering is pure and deterministic; {@link #render} refuses
 * anything IAM would refuse (grammar, names, the size limit) so no invalid document reaches AWS.
 *
 * <p>The document exists in two forms: the CloudFormation form, where the boundary's own ARN and
 * ${AWS::AccountId}/${AWS::Partition} in the stage's statements are Fn::Sub expressions resolved
 * in each account, and the literal form for one account, which is what IAM holds there.
 */
public final class BoundaryDocument {
  /** IAM's limit for a customer managed policy, counted without whitespace. */
  public static final int MAX_POLICY_CHARACTERS = 6144;
  public static final String TEMPLATE_RESOURCE = "Boundary";

  private static final Pattern NAME = Pattern.compile("^[\\w+=,.@-]{1,128}$");
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
  /** Any 12-digit id gives the same size: IAM counts characters, and every account id has 12. */
  private static final String SIZE_PROBE_ACCOUNT = "000000000000";

  private final String stageName;
  private final String policyName;
  private final String partition;
  private final ObjectNode templateDocument;
  private final String revision;

  private BoundaryDocument(String stageName, String policyName, String partition,
      ObjectNode templateDocument) {
    this.stageName = stageName;
    this.policyName = policyName;
    this.partition = partition;
    this.templateDocument = templateDocument;
    this.revision = hash(policyName + "\n" + CanonicalPolicy.canonicalJson(templateDocument));
  }

  public static BoundaryDocument render(String stageName, StageSpec.Boundary boundary,
      String partition) throws InvalidBoundaryException {
    List<String> problems = new ArrayList<>();
    String policyName = boundary == null ? null : boundary.policyName();
    if (policyName == null || !NAME.matcher(policyName).matches()) {
      problems.add("spec.boundary.policyName '" + policyName + "' is not a valid IAM policy name: "
          + "use 1-128 letters, digits and +=,.@_-");
      throw new InvalidBoundaryException(problems);
    }
    List<String> allowed = boundary.allowedActions();
    if (allowed != null) {
      for (int i = 0; i < allowed.size(); i++) {
        if (allowed.get(i) == null || !ACTION.matcher(allowed.get(i)).matches()) {
          problems.add("spec.boundary.allowedActions[" + i + "] '" + allowed.get(i)
              + "' is not an IAM action: write service:Action, e.g. s3:GetObject or ec2:*");
        }
      }
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode doc = f.objectNode().put("Version", "2012-10-17");
    ArrayNode statements = doc.putArray("Statement");
    Guards.statements(Arns.substituted(policyName), allowed).forEach(statements::add);
    List<StageSpec.Statement> own = boundary.statements() == null ? List.of() : boundary.statements();
    Set<String> sids = new HashSet<>();
    for (int i = 0; i < own.size(); i++) {
      ObjectNode rendered = renderStatement("spec.boundary.statements[" + i + "]", own.get(i),
          sids, problems);
      if (rendered != null) {
        statements.add(rendered);
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidBoundaryException(problems);
    }
    BoundaryDocument document = new BoundaryDocument(stageName, policyName, partition, doc);
    int size = document.size();
    if (size > MAX_POLICY_CHARACTERS) {
      throw new InvalidBoundaryException(List.of("the boundary is " + size
          + " characters without whitespace, over IAM's limit of " + MAX_POLICY_CHARACTERS
          + " for a managed policy (the guard statements take "
          + guardSize(policyName, partition) + "): merge statements or shorten action and resource lists"));
    }
    return document;
  }

  private static ObjectNode renderStatement(String path, StageSpec.Statement s, Set<String> sids,
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

  public String stageName() {
    return stageName;
  }

  public String policyName() {
    return policyName;
  }

  /** Short hash of the rendered document and name: changes whenever what IAM holds would. */
  public String revision() {
    return revision;
  }

  /** The document as CloudFormation receives it (Fn::Sub for per-account values). */
  public JsonNode templateDocument() {
    return templateDocument.deepCopy();
  }

  public String policyArn(String accountId) {
    return Arns.literal(partition, accountId, policyName);
  }

  /** The document IAM holds in {@code accountId}: every Fn::Sub resolved. */
  public JsonNode documentFor(String accountId) {
    return resolve(templateDocument, accountId);
  }

  private JsonNode resolve(JsonNode node, String accountId) {
    if (node.isObject()) {
      if (node.size() == 1 && node.has("Fn::Sub")) {
        String v = node.get("Fn::Sub").asText()
            .replace("${AWS::AccountId}", accountId).replace("${AWS::Partition}", partition)
            .replace("${!", "${");
        return TextNode.valueOf(v);
      }
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      node.fields().forEachRemaining(e -> out.set(e.getKey(), resolve(e.getValue(), accountId)));
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> out.add(resolve(n, accountId)));
      return out;
    }
    return node;
  }

  /** Characters IAM counts for this document: everything but whitespace. */
  public int size() {
    return countNonWhitespace(documentFor(SIZE_PROBE_ACCOUNT).toString());
  }

  private static int guardSize(String policyName, String partition) {
    ArrayNode guards = JsonNodeFactory.instance.arrayNode();
    Guards.statements(Arns.literal(partition, SIZE_PROBE_ACCOUNT, policyName), null).forEach(guards::add);
    return countNonWhitespace(guards.toString());
  }

  private static int countNonWhitespace(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isWhitespace(s.charAt(i))) {
        n++;
      }
    }
    return n;
  }

  /** The StackSet template: one AWS::IAM::ManagedPolicy, the revision in its Metadata. */
  public String cloudFormationTemplate() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode t = f.objectNode().put("AWSTemplateFormatVersion", "2010-09-09")
        .put("Description", "Permissions boundary of stage " + stageName
            + ", managed by stage-boundary-operator");
    t.putObject("Metadata").putObject("StageBoundary").put("Stage", stageName)
        .put("Revision", revision);
    ObjectNode props = t.putObject("Resources").putObject(TEMPLATE_RESOURCE)
        .put("Type", "AWS::IAM::ManagedPolicy").putObject("Properties")
        .put("ManagedPolicyName", policyName)
        // Fixed on purpose: CloudFormation replaces a managed policy whose description changes,
        // and a policy in use as a boundary cannot be replaced.
        .put("Description", "Permissions boundary of stage " + stageName
            + " (stage-boundary-operator)")
        .put("Path", "/");
    props.set("PolicyDocument", templateDocument.deepCopy());
    t.putObject("Outputs").putObject("BoundaryArn").putObject("Value").put("Ref", TEMPLATE_RESOURCE);
    try {
      return CanonicalPolicy.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(t);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
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

  /** The AWS partition of a region: aws, aws-cn, aws-us-gov. */
  public static String partitionOf(String region) {
    if (region == null) {
      return "aws";
    }
    if (region.startsWith("cn-")) {
      return "aws-cn";
    }
    if (region.startsWith("us-gov-")) {
      return "aws-us-gov";
    }
    if (region.startsWith("us-iso-")) {
      return "aws-iso";
    }
    if (region.startsWith("us-isob-")) {
      return "aws-iso-b";
    }
    return "aws";
  }

  private static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The cdk.json context an app in this stage sets. */
  public String cdkContext() {
    ObjectNode ctx = JsonNodeFactory.instance.objectNode();
    ctx.putObject("@aws-cdk/core:permissionsBoundary").put("name", policyName);
    return ctx.toString();
  }
}
