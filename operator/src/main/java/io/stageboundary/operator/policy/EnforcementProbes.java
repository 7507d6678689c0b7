package io.stageboundary.operator.policy;

import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What to ask IAM to prove that a boundary holds a role (pure): probes derived from the guards
 * (no role, user or boundary without this boundary; with it, allowed; no boundary removed; the
 * policy itself untouchable), one concrete action from each pattern of each Deny statement, with
 * context values that make its condition apply, and the probes the Stage declares. Probes that
 * need the same context go in one request, so a role costs two or three SimulatePrincipalPolicy
 * calls per check, whatever the number of probes (one more, for the member role, with the guardrail).
 */
public final class EnforcementProbes {
  /** Candidate actions for a NotAction Deny: the first one its list does not name is probed. */
  private static final List<String> NOT_ACTION_CANDIDATES = List.of("ec2:RunInstances", "s3:CreateBucket",
      "lambda:CreateFunction", "dynamodb:CreateTable", "sns:CreateTopic");

  private EnforcementProbes() {}

  /** What a probe expects of IAM's decision. */
  public enum Expect {
    /** Explicitly denied, and by the boundary. */
    DENIED_BY_BOUNDARY,
    /** The boundary allows it (the role's own policies may still not). */
    NOT_DENIED_BY_BOUNDARY,
    /** Allowed (a declared probe). */
    ALLOWED,
    /** Denied, explicitly or implicitly (a declared probe). */
    DENIED,
    /** Explicitly denied, and by the organisation's service control policies (the guardrail). */
    DENIED_BY_ORGANIZATIONS,
    /** The organisation's service control policies allow it (the guardrail's exemption). */
    ALLOWED_BY_ORGANIZATIONS;

    /** A probe of the guardrail SCP rather than of the boundary. */
    public boolean guardrail() {
      return this == DENIED_BY_ORGANIZATIONS || this == ALLOWED_BY_ORGANIZATIONS;
    }

    public String describe() {
      return switch (this) {
        case DENIED_BY_BOUNDARY -> "denied by the boundary";
        case NOT_DENIED_BY_BOUNDARY -> "not denied by the boundary";
        case ALLOWED -> "allowed";
        case DENIED -> "denied";
        case DENIED_BY_ORGANIZATIONS -> "denied by the service control policies";
        case ALLOWED_BY_ORGANIZATIONS -> "allowed by the service control policies";
      };
    }
  }

  public record Probe(String label, String action, String resource, Expect expect) {}

  /**
   * Probes that share one request: its resources and context values.
   *
   * @param role the role simulated; null for the stage's CDK roles
   */
  public record Request(String role, Map<String, List<String>> context, List<Probe> probes) {
    public Request(Map<String, List<String>> context, List<Probe> probes) {
      this(null, context, probes);
    }

    public List<String> actions() {
      return probes.stream().map(Probe::action).distinct().toList();
    }

    public List<String> resources() {
      return probes.stream().map(Probe::resource).distinct().toList();
    }
  }

  /** The requests that prove {@code doc} in {@code account}. */
  public static List<Request> of(BoundaryDocument doc, StageSpec spec, String account, IamCatalogue catalogue) {
    return of(doc, spec, account, catalogue, null);
  }

  /**
   * The requests that prove {@code doc}, and the guardrail SCP when {@code memberRole} is given (the
   * SCP applies to the account): an unexempt role (the CDK execution role itself) is denied by the
   * organisation removing a CDK role's boundary or changing the boundary policy, and the operator's
   * member role is not (it repairs drift). One more request, for the member role.
   */
  public static List<Request> of(BoundaryDocument doc, StageSpec spec, String account, IamCatalogue catalogue,
      String memberRole) {
    String self = doc.policyArn(account);
    String partition = self.split(":")[1];
    List<Probe> plain = new ArrayList<>(List.of(
        new Probe("guard: no role without this boundary", "iam:CreateRole", "*", Expect.DENIED_BY_BOUNDARY),
        new Probe("guard: no user without this boundary", "iam:CreateUser", "*", Expect.DENIED_BY_BOUNDARY),
        new Probe("guard: no other boundary on a role", "iam:PutRolePermissionsBoundary", "*", Expect.DENIED_BY_BOUNDARY),
        new Probe("guard: no boundary removed", "iam:DeleteRolePermissionsBoundary", "*", Expect.DENIED_BY_BOUNDARY),
        new Probe("guard: no new version of the boundary", "iam:CreatePolicyVersion", self, Expect.DENIED_BY_BOUNDARY),
        new Probe("guard: the boundary is not deleted", "iam:DeletePolicy", self, Expect.DENIED_BY_BOUNDARY)));
    List<Request> requests = new ArrayList<>();
    List<String> allowed = doc.boundary().allowedActions();
    if (allowed == null || allowed.isEmpty() || allowed.stream().anyMatch(a -> IamCatalogue.glob(a).matcher("iam:CreateRole").matches())) {
      requests.add(new Request(Map.of("iam:PermissionsBoundary", List.of(self)), List.of(new Probe(
          "guard: a role with this boundary", "iam:CreateRole", "*", Expect.NOT_DENIED_BY_BOUNDARY))));
    }
    Map<String, List<String>> conditioned = new LinkedHashMap<>();
    List<Probe> conditionedProbes = new ArrayList<>();
    List<StageSpec.Statement> own = doc.boundary().statements() == null ? List.of() : doc.boundary().statements();
    for (int i = 0; i < own.size(); i++) {
      StageSpec.Statement s = own.get(i);
      if (s.effect() != StageSpec.Effect.Deny) {
        continue;
      }
      String name = s.sid() == null ? "statements[" + i + "]" : s.sid();
      Optional<Map<String, List<String>>> context = contextFor(s);
      if (context.isEmpty() || context.get().keySet().stream().anyMatch(k -> conditioned.containsKey(k)
          && !conditioned.get(k).equals(context.get().get(k)))) {
        continue;  // a condition no context value can be made to satisfy, or one another Deny needs otherwise
      }
      String resource = resourceFor(s, account, partition);
      List<Probe> probes = new ArrayList<>();
      boolean lifted = s.sid() != null && doc.liftsIn(account).contains(s.sid());
      for (String action : actionsFor(s, catalogue)) {
        if (!lifted) {
          probes.add(new Probe(name + " denies " + action, action, resource, Expect.DENIED_BY_BOUNDARY));
        } else if (doc.denyingStatements(action, doc.liftsIn(account)).isEmpty()) {
          // a BoundaryException lifts it here: proven lifted, where no other statement denies the action
          probes.add(new Probe(name + " is lifted: " + action + " is not denied (BoundaryException)", action, resource,
              Expect.NOT_DENIED_BY_BOUNDARY));
        }
      }
      if (context.get().isEmpty()) {
        plain.addAll(probes);
      } else {
        conditioned.putAll(context.get());
        conditionedProbes.addAll(probes);
      }
    }
    if (spec.verification() != null && spec.verification().probes() != null) {
      for (StageSpec.Probe p : spec.verification().probes()) {
        plain.add(new Probe("declared: " + p.action() + " " + p.expect(), p.action(),
            p.resource() == null ? "*" : p.resource(), p.expect() == StageSpec.Probe.Expectation.Allowed
                ? Expect.ALLOWED : Expect.DENIED));
      }
    }
    if (memberRole != null) {
      String cdkRole = "arn:" + partition + ":iam::" + account + ":role/cdk-"
          + spec.bootstrapOrDefault().qualifierOrDefault() + "-cfn-exec-role-" + account + "-"
          + spec.targets().regions().get(0);
      plain.add(new Probe("guardrail: no CDK role's boundary removed by an unexempt role",
          "iam:DeleteRolePermissionsBoundary", cdkRole, Expect.DENIED_BY_ORGANIZATIONS));
      plain.add(new Probe("guardrail: no new version of the boundary by an unexempt role", "iam:CreatePolicyVersion",
          self, Expect.DENIED_BY_ORGANIZATIONS));
      requests.add(new Request(memberRole, Map.of(), List.of(
          new Probe("guardrail: the operator's member role is exempt", "iam:DeleteRolePermissionsBoundary", cdkRole,
              Expect.ALLOWED_BY_ORGANIZATIONS))));
    }
    requests.add(0, new Request(Map.of(), plain));
    if (!conditionedProbes.isEmpty()) {
      requests.add(new Request(conditioned, conditionedProbes));
    }
    return requests;
  }

  /** One concrete action per pattern (at most three per statement), or one a NotAction list leaves out. */
  private static List<String> actionsFor(StageSpec.Statement s, IamCatalogue catalogue) {
    if (s.actions() == null || s.actions().isEmpty()) {
      return NOT_ACTION_CANDIDATES.stream().filter(a -> s.notActions().stream().noneMatch(p -> IamCatalogue.glob(p).matcher(a).matches()))
          .limit(1).toList();
    }
    List<String> out = new ArrayList<>();
    for (String pattern : s.actions()) {
      if (pattern.equals("*")) {
        out.add("s3:CreateBucket");
        continue;
      }
      String prefix = pattern.substring(0, pattern.indexOf(':'));
      catalogue.service(prefix).flatMap(svc -> IamCatalogue.matching(svc, pattern.substring(prefix.length() + 1))
          .stream().findFirst().map(a -> svc.prefix() + ":" + a)).ifPresent(out::add);
    }
    return out.stream().distinct().limit(3).toList();
  }

  private static String resourceFor(StageSpec.Statement s, String account, String partition) {
    if (s.resources() == null || s.resources().isEmpty() || s.resources().contains("*")) {
      return "*";
    }
    return s.resources().get(0).replace("${AWS::AccountId}", account).replace("${AWS::Partition}", partition)
        .replace("*", "sbo-probe").replace("?", "x");
  }

  /** Context values under which every condition of the statement holds; empty if none can be made to. */
  static Optional<Map<String, List<String>>> contextFor(StageSpec.Statement s) {
    Map<String, List<String>> ctx = new LinkedHashMap<>();
    if (s.conditions() == null) {
      return Optional.of(ctx);
    }
    for (Map.Entry<String, Map<String, List<String>>> op : s.conditions().entrySet()) {
      String operator = op.getKey().replaceFirst("^(ForAnyValue|ForAllValues):", "").replaceFirst("IfExists$", "");
      for (Map.Entry<String, List<String>> key : op.getValue().entrySet()) {
        Optional<String> value = satisfying(operator, key.getValue());
        if (value.isEmpty()) {
          return Optional.empty();
        }
        if (!value.get().isEmpty()) {
          ctx.put(key.getKey(), List.of(value.get()));
        }
      }
    }
    return Optional.of(ctx);
  }

  /** A value that makes the condition true ("" for a key that must be absent); empty if none is known. */
  private static Optional<String> satisfying(String operator, List<String> values) {
    String first = values.get(0);
    String o = operator.toLowerCase(Locale.ROOT);
    if (o.equals("null")) {
      return Optional.of(first.equalsIgnoreCase("true") ? "" : "sbo-probe");
    }
    if (o.contains("not")) {
      return Optional.of(o.startsWith("arn") ? "arn:aws:iam::000000000000:role/sbo-probe"
          : o.startsWith("ipaddress") || o.startsWith("notip") ? "203.0.113.7" : o.startsWith("numeric") ? "-1"
          : o.startsWith("date") ? "1970-01-01T00:00:00Z" : "sbo-probe");
    }
    if (o.endsWith("lessthan") || o.endsWith("lessthanequals")) {
      return Optional.of(o.startsWith("date") ? "1970-01-01T00:00:00Z" : "-1");
    }
    if (o.endsWith("greaterthan") || o.endsWith("greaterthanequals")) {
      return Optional.of(o.startsWith("date") ? "2999-01-01T00:00:00Z" : "999999999");
    }
    if (o.startsWith("ipaddress")) {
      return Optional.of(first.replaceFirst("/\\d+$", ""));
    }
    return Optional.of(first.replace("*", "x").replace("?", "x"));
  }
}
