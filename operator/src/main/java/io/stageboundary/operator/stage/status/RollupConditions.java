package io.stageboundary.operator.stage.status;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.Conditions;
import io.stageboundary.operator.stage.pass.GuardrailObservation;
import io.stageboundary.operator.stage.pass.Text;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The conditions that roll one area up over the stage's accounts — Bootstrapped, Enforced,
 * Guarded — each set here, each returning what {@link StageStatusBuilder} needs to decide Ready.
 */
final class RollupConditions {
  private RollupConditions() {}

  /** Whether the bootstrap stacks are as they should be, and the summary. */
  record Bootstrap(boolean ok, String summary) {}

  /** Bootstrapped: every account's stacks carry the boundary, or are deliberately left alone. */
  static Bootstrap bootstrapped(Conditions conditions, boolean enabled, List<BootstrapState> states) {
    if (!enabled) {
      conditions.set(Conditions.BOOTSTRAPPED, true, ConditionReason.BootstrapDisabled,
          "spec.bootstrap.enabled is false: only the boundary policy is deployed");
      return new Bootstrap(true, "");
    }
    Map<BootstrapState, Long> n = new EnumMap<>(BootstrapState.class);
    states.forEach(s -> n.merge(s, 1L, Long::sum));
    long current = n.getOrDefault(BootstrapState.CURRENT, 0L);
    long notBootstrapped = n.getOrDefault(BootstrapState.NOT_BOOTSTRAPPED, 0L);
    long failed = n.getOrDefault(BootstrapState.FAILED, 0L);
    long foreign = n.getOrDefault(BootstrapState.FOREIGN, 0L);
    long held = n.getOrDefault(BootstrapState.CONFLICT, 0L);
    long regionsOff = n.getOrDefault(BootstrapState.REGION_NOT_ENABLED, 0L);
    long total = states.size() - held;
    StringBuilder m = new StringBuilder().append(current).append(" of ").append(total)
        .append(" account(s) bootstrapped with the boundary");
    if (notBootstrapped > 0) {
      m.append(", ").append(notBootstrapped).append(" without a bootstrap stack (left alone: createIfMissing is off)");
    }
    if (regionsOff > 0) {
      m.append(", ").append(regionsOff).append(" with none of the stage's regions enabled (left alone)");
    }
    if (foreign > 0) {
      m.append(", ").append(foreign).append(" with another BootstrapVariant (not overwritten)");
    }
    if (failed > 0) {
      m.append(", ").append(failed).append(" failed");
    }
    long pending = total - current - notBootstrapped - regionsOff - failed - foreign;
    if (pending > 0) {
      m.append(", ").append(pending).append(" in progress");
    }
    boolean ok = current + notBootstrapped + regionsOff == total;
    ConditionReason reason = ok ? ConditionReason.AllBootstrapped : failed > 0 ? ConditionReason.BootstrapFailed
        : foreign > 0 ? ConditionReason.ForeignBootstrapVariant : ConditionReason.BootstrapInProgress;
    conditions.set(Conditions.BOOTSTRAPPED, ok, reason, m.toString());
    return new Bootstrap(ok, m.toString());
  }

  /**
   * Enforced: IAM's own evaluation proved, in every probed account, that the boundary of the stage's
   * current revision holds the CDK roles. A failed probe of that revision makes the stage not Ready:
   * its rules are wrong, or a role is unbounded. A proof still to come for the current revision (its
   * policy is being rolled out) is Unknown, never False: an old revision's result says nothing of the new.
   */
  static String enforced(Conditions conditions, String stage, String revision, boolean bootstrapEnabled,
      Map<String, StageAccountStatus.Enforcement> probed) {
    if (!bootstrapEnabled) {
      conditions.unknown(Conditions.ENFORCED, ConditionReason.NoRolesToProbe,
          "spec.bootstrap.enabled is false: there is no CDK execution role to prove the boundary on");
      return null;
    }
    if (probed.isEmpty()) {
      conditions.unknown(Conditions.ENFORCED, ConditionReason.NotCheckedYet, "no account's CDK roles have been probed yet");
      return null;
    }
    Map<String, StageAccountStatus.Enforcement> ofRevision = new java.util.TreeMap<>();
    probed.forEach((account, e) -> {
      if (revision == null || revision.equals(e.revision())) {
        ofRevision.put(account, e);
      }
    });
    List<String> failing = ofRevision.entrySet().stream().filter(e -> e.getValue().failed() > 0).map(Map.Entry::getKey)
        .toList();
    int passed = ofRevision.values().stream().mapToInt(StageAccountStatus.Enforcement::passed).sum();
    int pending = probed.size() - ofRevision.size();
    if (!failing.isEmpty()) {
      String probesFailed = "IAM decided enforcement probes otherwise in " + failing.size() + " account(s): "
          + Text.abbreviate(failing, 5) + firstFailure(ofRevision.get(failing.get(0))) + " (kubectl get stageaccount "
          + stage + ".ACCOUNT -o jsonpath='{.status.enforcement}' shows which, and why)";
      conditions.set(Conditions.ENFORCED, false, ConditionReason.ProbesFailed, probesFailed);
      return probesFailed;
    }
    if (pending > 0) {
      conditions.unknown(Conditions.ENFORCED, ConditionReason.ProofPending, pending + " account(s) still to be proven "
          + "with revision " + revision + " (their policy is still being rolled out); " + ofRevision.size()
          + " account(s) proven with it");
      return null;
    }
    conditions.set(Conditions.ENFORCED, true, ConditionReason.AllProbesPassed, passed + " probe(s) decided by IAM as "
        + "expected in " + probed.size() + " account(s) with revision " + revision);
    return null;
  }

  /** The first failed probe: what it checks (the statement's Sid first), what IAM said, and which statements decided. */
  private static String firstFailure(StageAccountStatus.Enforcement e) {
    if (e.failures() == null || e.failures().isEmpty()) {
      return "";
    }
    StageAccountStatus.ProbeFailure f = e.failures().get(0);
    return " (first: " + f.probe() + " on " + f.role() + ": expected " + f.expected() + ", IAM said " + f.actual()
        + (f.decisiveStatements() == null ? "" : ", decided by " + f.decisiveStatements()) + ")";
  }

  /**
   * Guarded: the stage's service control policy is in place on every target, and IAM's evaluation
   * shows it denies an unexempt role and lets the operator's member role through in every probed
   * account. Asked for but not in place, or a probe failed: the stage is not Ready.
   */
  static String guarded(Conditions conditions, boolean remediates, GuardrailObservation g, boolean bootstrapEnabled,
      Map<String, StageAccountStatus.Enforcement> probed) {
    String guardrailPending = null;
    if (!g.enabled()) {
      conditions.set(Conditions.GUARDED, false, ConditionReason.Disabled, "spec.guardrail.enabled is false: an account "
          + "administrator can remove the boundary; drift checks report it an interval later");
      return null;
    }
    String name = g.desired().name();
    if (!g.inPlace()) {
      List<String> missing = g.wanted().stream().filter(t -> !g.attached().contains(t)).toList();
      guardrailPending = g.actual().isEmpty() ? "the service control policy " + name + " does not exist yet"
          : !g.contentCurrent() ? "the service control policy " + name + " does not hold the current document yet"
          : "the service control policy " + name + " is not attached to " + Text.abbreviate(missing, 5) + " yet";
      if (!g.drift().isEmpty()) {
        guardrailPending += " (changed out of band" + (remediates ? "; repairing)"
            : "; driftRemediation is Report: not changed)");
      }
      conditions.set(Conditions.GUARDED, false, g.drift().isEmpty() ? ConditionReason.GuardrailPending : ConditionReason.GuardrailDrifted,
          guardrailPending);
      return guardrailPending;
    }
    String where = "on " + Text.abbreviate(List.copyOf(g.wanted()), 5);
    List<String> failing = probed.entrySet().stream().filter(e -> e.getValue().guardrail() != null
        && e.getValue().guardrail().failed() > 0).map(Map.Entry::getKey).toList();
    long proven = probed.values().stream().filter(e -> e.guardrail() != null && e.guardrail().failed() == 0).count();
    if (!failing.isEmpty()) {
      guardrailPending = "IAM decided guardrail probes otherwise in " + failing.size() + " account(s): "
          + Text.abbreviate(failing, 5) + " (see their StageAccounts' status.enforcement)";
      conditions.set(Conditions.GUARDED, false, ConditionReason.ProbesFailed, guardrailPending);
    } else if (!bootstrapEnabled) {
      conditions.set(Conditions.GUARDED, true, ConditionReason.Attached, "the service control policy " + name + " is attached "
          + where + " (spec.bootstrap.enabled is false: no CDK role to probe)");
    } else if (proven == 0) {
      conditions.unknown(Conditions.GUARDED, ConditionReason.NotCheckedYet, "the service control policy " + name + " is attached "
          + where + "; no account has been probed with it yet");
    } else {
      conditions.set(Conditions.GUARDED, true, ConditionReason.AllProbesPassed, "the service control policy " + name
          + " is attached " + where + "; IAM denies an unexempt role and allows the operator in " + proven
          + " account(s)");
    }
    return guardrailPending;
  }
}
