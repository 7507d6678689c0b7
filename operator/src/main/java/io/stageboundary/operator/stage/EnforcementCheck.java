package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Enforcement;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.ProbeFailure;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BootstrapStacks.Decision;
import io.stageboundary.operator.aws.BootstrapStacks.Simulated;
import io.stageboundary.operator.policy.EnforcementProbes;
import io.stageboundary.operator.policy.EnforcementProbes.Expect;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks IAM, for each CDK role of one account and region, whether the boundary holds it
 * (SimulatePrincipalPolicy, one call per request of {@link EnforcementProbes}), and says which
 * probes IAM decided otherwise. A failed probe is reported, never repaired: it means the rules are
 * wrong, or the boundary is off the role (which drift repair restores; the next check proves it).
 */
final class EnforcementCheck {
  static final int MAX_FAILURES = 10;

  private EnforcementCheck() {}

  /**
   * @param region the region the roles work in: every request is simulated there (aws:RequestedRegion),
   *     as a real request would be, unless a probe needs another value to make a condition apply
   */
  static Enforcement run(Collection<String> roles, List<EnforcementProbes.Request> requests, BootstrapStacks stacks,
      String region, String now) {
    int passed = 0;
    int failed = 0;
    List<ProbeFailure> failures = new ArrayList<>();
    for (String role : roles) {
      for (EnforcementProbes.Request request : requests) {
        List<Simulated> results;
        try {
          Map<String, List<String>> context = new java.util.LinkedHashMap<>(request.context());
          context.putIfAbsent("aws:RequestedRegion", List.of(region));
          results = stacks.simulate(role, request.actions(), request.resources(), context);
        } catch (AwsFailure f) {
          failed += request.probes().size();
          add(failures, new ProbeFailure(role, "IAM could not be asked", String.join(", ", request.actions()),
              "an answer", f.getMessage(), null));
          continue;
        }
        Map<String, Simulated> byRequest = new HashMap<>();
        results.forEach(r -> byRequest.put(r.action().toLowerCase() + "|" + r.resource(), r));
        for (EnforcementProbes.Probe probe : request.probes()) {
          Simulated r = byRequest.get(probe.action().toLowerCase() + "|" + probe.resource());
          if (r != null && passes(probe.expect(), r)) {
            passed++;
          } else {
            failed++;
            add(failures, new ProbeFailure(role, probe.label(), probe.action(), probe.expect().describe(),
                r == null ? "no answer" : actual(r), r == null || r.decisiveStatements().isEmpty() ? null
                    : String.join(", ", r.decisiveStatements())));
          }
        }
      }
    }
    return new Enforcement(now, passed, failed, failures.isEmpty() ? null : List.copyOf(failures));
  }

  static boolean passes(Expect expect, Simulated r) {
    return switch (expect) {
      case DENIED_BY_BOUNDARY -> r.decision() == Decision.EXPLICIT_DENY && Boolean.FALSE.equals(r.allowedByBoundary());
      case NOT_DENIED_BY_BOUNDARY -> Boolean.TRUE.equals(r.allowedByBoundary());
      case ALLOWED -> r.decision() == Decision.ALLOWED;
      case DENIED -> r.decision() != Decision.ALLOWED;
    };
  }

  private static String actual(Simulated r) {
    String decision = switch (r.decision()) {
      case ALLOWED -> "allowed";
      case EXPLICIT_DENY -> "explicitDeny";
      case IMPLICIT_DENY -> "implicitDeny";
    };
    return decision + (r.allowedByBoundary() == null ? " (the role has no boundary)"
        : r.allowedByBoundary() ? " (the boundary allows it)" : " (the boundary denies it)");
  }

  private static void add(List<ProbeFailure> failures, ProbeFailure f) {
    if (failures.size() < MAX_FAILURES) {
      failures.add(f);
    }
  }

  /** One account's proof over its regions: the latest check, the sums, the first failures. */
  static Enforcement combine(List<Enforcement> regions) {
    List<Enforcement> checked = regions.stream().filter(java.util.Objects::nonNull).toList();
    if (checked.isEmpty()) {
      return null;
    }
    List<ProbeFailure> failures = checked.stream().filter(e -> e.failures() != null).flatMap(e -> e.failures().stream())
        .limit(MAX_FAILURES).toList();
    return new Enforcement(checked.stream().map(Enforcement::lastChecked).max(String::compareTo).orElse(null),
        checked.stream().mapToInt(Enforcement::passed).sum(), checked.stream().mapToInt(Enforcement::failed).sum(),
        failures.isEmpty() ? null : failures);
  }
}
