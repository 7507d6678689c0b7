package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * in each account, and the literal form for one account, which is what IAM holds there. The
 * StackSet template that carries the CloudFormation form is {@link BoundaryTemplate}.
 */
public final class BoundaryDocument {
  /** IAM's limit for a customer managed policy, counted without whitespace. */
  public static final int MAX_POLICY_CHARACTERS = 6144;

  private static final Pattern NAME = Pattern.compile("^[\\w+=,.@-]{1,128}$");
  /** Any 12-digit id gives the same size: IAM counts characters, and every account id has 12. */
  private static final String SIZE_PROBE_ACCOUNT = "000000000000";

  private final String stageName;
  private final String policyName;
  private final String partition;
  private final ObjectNode templateDocument;
  private final String revision;
  private final StageSpec.Boundary boundary;
  /** Per account, the Sids of Deny statements an exception lifts there (what the account's instance holds). */
  private final Map<String, java.util.SortedSet<String>> lifts;

  private BoundaryDocument(String stageName, String policyName, String partition,
      ObjectNode templateDocument, StageSpec.Boundary boundary, Map<String, java.util.SortedSet<String>> lifts) {
    this.boundary = boundary;
    this.stageName = stageName;
    this.policyName = policyName;
    this.partition = partition;
    this.templateDocument = templateDocument;
    this.lifts = lifts;
    List<String> liftable = liftableIn(templateDocument);
    // the template declares one parameter per liftable statement: a new one is a new template
    this.revision = CanonicalPolicy.hash(policyName + "\n" + CanonicalPolicy.canonicalJson(templateDocument)
        + (liftable.isEmpty() ? "" : "\nliftable " + liftable));
  }

  /**
   * The Sids of the statements an exception may lift: the stage's own Deny statements that have a
   * Sid. The guard statements ({@link Guards#RESERVED_SIDS}) never are: they keep the boundary in place.
   */
  public List<String> liftable() {
    return liftableIn(templateDocument);
  }

  private static List<String> liftableIn(JsonNode doc) {
    List<String> out = new ArrayList<>();
    for (JsonNode st : doc.path("Statement")) {
      String sid = st.path("Sid").asText("");
      if ("Deny".equals(st.path("Effect").asText()) && !sid.isEmpty() && !Guards.RESERVED_SIDS.contains(sid)) {
        out.add(sid);
      }
    }
    return out;
  }

  /**
   * The same boundary, knowing which statements are lifted in which accounts: {@link #documentFor}
   * then answers what IAM holds there. The revision is the stage's: the template is one for all.
   */
  public BoundaryDocument withLifts(Map<String, ? extends java.util.Collection<String>> lifted) {
    Map<String, java.util.SortedSet<String>> copy = new java.util.TreeMap<>();
    lifted.forEach((account, sids) -> {
      if (!sids.isEmpty()) {
        copy.put(account, java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(sids)));
      }
    });
    return new BoundaryDocument(stageName, policyName, partition, templateDocument, boundary,
        java.util.Collections.unmodifiableMap(copy));
  }

  /** The Sids lifted in {@code accountId}; empty where the whole boundary applies. */
  public java.util.SortedSet<String> liftsIn(String accountId) {
    return lifts.getOrDefault(accountId, java.util.Collections.emptySortedSet());
  }

  /** Every account with a lifted statement, and which. */
  public Map<String, java.util.SortedSet<String>> lifts() {
    return lifts;
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
        if (allowed.get(i) == null || !StatementGrammar.isAction(allowed.get(i))) {
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
      ObjectNode rendered = StatementGrammar.render("spec.boundary.statements[" + i + "]", own.get(i),
          sids, problems);
      if (rendered != null) {
        statements.add(rendered);
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidBoundaryException(problems);
    }
    BoundaryDocument document = new BoundaryDocument(stageName, policyName, partition, doc, boundary, Map.of());
    int size = document.size();
    if (size > MAX_POLICY_CHARACTERS) {
      throw new InvalidBoundaryException(List.of("the boundary is " + size
          + " characters without whitespace, over IAM's limit of " + MAX_POLICY_CHARACTERS
          + " for a managed policy (the guard statements take "
          + guardSize(policyName, partition) + "): merge statements or shorten action and resource lists"));
    }
    return document;
  }

  /** What it was rendered from: the policy name and every statement (included rules and the stage's own). */
  public StageSpec.Boundary boundary() {
    return boundary;
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

  /** The document IAM holds in {@code accountId}: every Fn::Sub resolved, its lifted statements left out. */
  public JsonNode documentFor(String accountId) {
    return documentWithout(accountId, liftsIn(accountId));
  }

  /** The document {@code accountId} would hold with {@code lifted} taken out. */
  public JsonNode documentWithout(String accountId, java.util.Collection<String> lifted) {
    JsonNode resolved = resolve(templateDocument, accountId);
    if (lifted.isEmpty()) {
      return resolved;
    }
    ArrayNode kept = JsonNodeFactory.instance.arrayNode();
    resolved.path("Statement").forEach(st -> {
      if (!lifted.contains(st.path("Sid").asText(""))) {
        kept.add(st);
      }
    });
    ((ObjectNode) resolved).set("Statement", kept);
    return resolved;
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

  /** The statements by sid, each as canonical JSON (the CloudFormation form: the same in every account). */
  public java.util.SortedMap<String, String> statements() {
    return BoundaryTemplate.statementsIn(templateDocument);
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

  /** The cdk.json context an app in this stage sets. */
  /**
   * The Sids of the boundary's Deny statements that name {@code action} (through Action, or by
   * leaving it out of NotAction), conditions aside: which statements a denial by the boundary comes
   * from, for a message that names them. IAM's own answer names only the policy.
   */
  public List<String> denyingStatements(String action) {
    return denyingStatements(action, java.util.Set.of());
  }

  /** As {@link #denyingStatements(String)}, where the statements {@code lifted} are not in force. */
  public List<String> denyingStatements(String action, java.util.Collection<String> lifted) {
    List<String> out = new ArrayList<>();
    for (JsonNode st : templateDocument.path("Statement")) {
      if (!"Deny".equals(st.path("Effect").asText()) || lifted.contains(st.path("Sid").asText(""))) {
        continue;
      }
      boolean named = st.has("Action") ? anyMatches(st.get("Action"), action) : !anyMatches(st.get("NotAction"), action);
      if (named && st.hasNonNull("Sid")) {
        out.add(st.get("Sid").asText());
      }
    }
    return out;
  }

  private static boolean anyMatches(JsonNode patterns, String action) {
    if (patterns == null) {
      return false;
    }
    for (JsonNode p : patterns.isArray() ? patterns : List.of(patterns)) {
      if (IamCatalogue.glob(p.asText()).matcher(action).matches()) {
        return true;
      }
    }
    return false;
  }

  public String cdkContext() {
    ObjectNode ctx = JsonNodeFactory.instance.objectNode();
    ctx.putObject("@aws-cdk/core:permissionsBoundary").put("name", policyName);
    return ctx.toString();
  }
}
