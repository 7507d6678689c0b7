package io.stageboundary.operator.stage.enforcement;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Enforcement;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.GuardrailClaim;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.GuardrailProof;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.ProbeFailure;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.ProofMethod;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BootstrapStacks.Decision;
import io.stageboundary.operator.aws.BootstrapStacks.Simulated;
import io.stageboundary.operator.policy.DenyEvaluation;
import io.stageboundary.operator.policy.EnforcementProbes;
import io.stageboundary.operator.policy.EnforcementProbes.Expect;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Asks IAM, for each CDK role of one account and region, whether the boundary holds it
 * (SimulatePrincipalPolicy, one call per request of {@link EnforcementProbes}), and says which
 * probes IAM decided otherwise. A guardrail claim the simulation does not prove (IAM's simulator
 * may not evaluate SCPs with global condition keys, which the guardrail's exemptions are) is
 * evaluated against the SCP read back from Organizations ({@link DenyEvaluation}); each claim
 * says which of the two proved it. A failed probe is reported, never repaired: it means the rules are
 * wrong, or the boundary is off the role (which drift repair restores; the next check proves it).
 */
public final class EnforcementCheck {
  static final int MAX_FAILURES = 10;

  private EnforcementCheck() {}

  /**
   * @param region the region the roles work in: every request is simulated there (aws:RequestedRegion),
   *     as a real request would be, unless a probe needs another value to make a condition apply
   */
  public static Enforcement run(Collection<String> roles, List<EnforcementProbes.Request> requests, BootstrapStacks stacks,
      String region, String now, ProbePlan plan) {
    int passed = 0;
    int failed = 0;
    int guardPassed = 0;
    int guardFailed = 0;
    boolean guarded = false;
    List<ProbeFailure> failures = new ArrayList<>();
    Map<String, ProofMethod> claims = new LinkedHashMap<>();
    for (EnforcementProbes.Request request : requests) {
      for (String role : request.role() == null ? roles : List.of(request.role())) {
        List<Simulated> results;
        try {
          Map<String, List<String>> context = new LinkedHashMap<>(request.context());
          context.putIfAbsent("aws:RequestedRegion", List.of(region));
          results = stacks.simulate(role, request.actions(), request.resources(), context);
        } catch (AwsFailure f) {
          int g = (int) request.probes().stream().filter(p -> p.expect().guardrail()).count();
          guardFailed += g;
          guarded |= g > 0;
          failed += request.probes().size() - g;
          add(failures, new ProbeFailure(role, "IAM could not be asked", String.join(", ", request.actions()),
              "an answer", f.getMessage(), null));
          continue;
        }
        Map<String, Simulated> byRequest = new HashMap<>();
        results.forEach(r -> byRequest.put(r.action().toLowerCase() + "|" + r.resource(), r));
        for (EnforcementProbes.Probe probe : request.probes()) {
          Simulated r = byRequest.get(probe.action().toLowerCase() + "|" + probe.resource());
          boolean ok = r != null && passes(probe.expect(), r);
          guarded |= probe.expect().guardrail();
          DenyEvaluation.Verdict readBack = null;
          if (probe.expect().guardrail()) {
            ProofMethod method = ProofMethod.IamSimulation;
            if (!ok && plan.guardrail() != null) {
              readBack = DenyEvaluation.of(plan.guardrail().document(),
                  requestOf(plan.guardrail(), role, probe, request, region));
              ok = readBack.outcome() == (probe.expect() == Expect.DENIED_BY_ORGANIZATIONS
                  ? DenyEvaluation.Outcome.DENIED : DenyEvaluation.Outcome.NOT_DENIED);
              method = ProofMethod.ReadBackEvaluation;
            }
            if (ok) {
              claims.merge(probe.label(), method, (a, b) -> a == ProofMethod.ReadBackEvaluation ? a : b);
            }
          }
          if (ok && probe.expect().guardrail()) {
            guardPassed++;
          } else if (ok) {
            passed++;
          } else {
            if (probe.expect().guardrail()) {
              guardFailed++;
            } else {
              failed++;
            }
            add(failures, new ProbeFailure(role, probe.label(), probe.action(), probe.expect().describe(),
                (r == null ? "no answer" : actual(r, probe.expect().guardrail())) + readBackSays(readBack, plan),
                decisive(r, probe, plan)));
          }
        }
      }
    }
    return new Enforcement(now, passed, failed, failures.isEmpty() ? null : List.copyOf(failures),
        guarded ? new GuardrailProof(guardPassed, guardFailed, claims.isEmpty() ? null : claims.entrySet().stream()
            .map(c -> new GuardrailClaim(c.getKey(), c.getValue())).toList()) : null,
        plan.fingerprint(), plan.revision());
  }

  /**
   * The probe's request as IAM would see it from {@code role}: the principal's ARN and account
   * (global keys a real request carries), the region, and the probe's own context values.
   */
  private static DenyEvaluation.Request requestOf(ProbePlan.ReadBack scp, String role, EnforcementProbes.Probe probe,
      EnforcementProbes.Request request, String region) {
    Map<String, List<String>> context = new LinkedHashMap<>(request.context());
    context.put("aws:PrincipalArn", List.of(scp.roleArn(role)));
    context.put("aws:PrincipalAccount", List.of(scp.account()));
    context.putIfAbsent("aws:RequestedRegion", List.of(region));
    return new DenyEvaluation.Request(probe.action(), probe.resource(), context);
  }

  private static String readBackSays(DenyEvaluation.Verdict v, ProbePlan plan) {
    if (v == null) {
      return "";
    }
    String scp = "; the SCP " + plan.guardrail().policyId() + " read back ";
    return switch (v.outcome()) {
      case DENIED -> scp + "denies it (" + v.statement() + ")";
      case NOT_DENIED -> scp + "does not deny it";
      case UNDECIDABLE -> scp + "could not be evaluated here (" + v.statement() + ")";
    };
  }

  /**
   * The statements that decided: those IAM names (it names policies), and, when the boundary
   * denied, which of its Deny statements name the action (by Sid), so a reader knows which rule to look at.
   */
  private static String decisive(Simulated r, EnforcementProbes.Probe probe, ProbePlan plan) {
    if (r == null) {
      return null;
    }
    List<String> parts = new ArrayList<>(r.decisiveStatements());
    if (Boolean.FALSE.equals(r.allowedByBoundary()) && plan.denying() != null) {
      List<String> sids = plan.denying().apply(probe.action());
      if (!sids.isEmpty()) {
        parts.add("statement " + String.join(", ", sids));
      }
    }
    return parts.isEmpty() ? null : String.join(", ", parts);
  }

  static boolean passes(Expect expect, Simulated r) {
    return switch (expect) {
      case DENIED_BY_BOUNDARY -> r.decision() == Decision.EXPLICIT_DENY && Boolean.FALSE.equals(r.allowedByBoundary());
      case NOT_DENIED_BY_BOUNDARY -> Boolean.TRUE.equals(r.allowedByBoundary());
      case ALLOWED -> r.decision() == Decision.ALLOWED;
      case DENIED -> r.decision() != Decision.ALLOWED;
      case DENIED_BY_ORGANIZATIONS -> r.decision() == Decision.EXPLICIT_DENY && Boolean.FALSE.equals(r.allowedByOrganizations());
      case ALLOWED_BY_ORGANIZATIONS -> Boolean.TRUE.equals(r.allowedByOrganizations());
    };
  }

  /** IAM's decision, with each layer's part; the organisation's only when it matters (it denies, or is probed). */
  private static String actual(Simulated r, boolean guardrail) {
    String decision = switch (r.decision()) {
      case ALLOWED -> "allowed";
      case EXPLICIT_DENY -> "explicitDeny";
      case IMPLICIT_DENY -> "implicitDeny";
    };
    return decision + (r.allowedByBoundary() == null ? " (the role has no boundary)"
        : r.allowedByBoundary() ? " (the boundary allows it)" : " (the boundary denies it)")
        + (r.allowedByOrganizations() == null || (r.allowedByOrganizations() && !guardrail) ? ""
            : r.allowedByOrganizations() ? " (the service control policies allow it)"
            : " (the service control policies deny it)");
  }

  private static void add(List<ProbeFailure> failures, ProbeFailure f) {
    if (failures.size() < MAX_FAILURES) {
      failures.add(f);
    }
  }

  /** The revision the account's newest check proved (its proving region's, unless another lost a boundary since). */
  private static String newest(List<Enforcement> checked) {
    return checked.stream().max(Comparator.comparing(e -> String.valueOf(e.lastChecked())))
        .map(Enforcement::revision).orElse(null);
  }

  /** One account's proof over its regions: the latest check, the sums, the first failures. */
  public static Enforcement combine(List<Enforcement> regions) {
    List<Enforcement> checked = regions.stream().filter(Objects::nonNull).toList();
    if (checked.isEmpty()) {
      return null;
    }
    List<ProbeFailure> failures = checked.stream().filter(e -> e.failures() != null).flatMap(e -> e.failures().stream())
        .limit(MAX_FAILURES).toList();
    List<GuardrailProof> guards = checked.stream().map(Enforcement::guardrail).filter(Objects::nonNull).toList();
    return new Enforcement(checked.stream().map(Enforcement::lastChecked).max(String::compareTo).orElse(null),
        checked.stream().mapToInt(Enforcement::passed).sum(), checked.stream().mapToInt(Enforcement::failed).sum(),
        failures.isEmpty() ? null : failures, guards.isEmpty() ? null : new GuardrailProof(
            guards.stream().mapToInt(GuardrailProof::passed).sum(), guards.stream().mapToInt(GuardrailProof::failed).sum(),
            claimsOf(guards)),
        null, newest(checked));
  }

  /** The claims of every region's proof (an account is proven in one region, so they rarely overlap). */
  private static List<GuardrailClaim> claimsOf(List<GuardrailProof> guards) {
    List<GuardrailClaim> claims = guards.stream().filter(g -> g.claims() != null).flatMap(g -> g.claims().stream())
        .distinct().toList();
    return claims.isEmpty() ? null : claims;
  }
}
