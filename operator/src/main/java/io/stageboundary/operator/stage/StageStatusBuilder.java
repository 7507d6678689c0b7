package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.kube.Conditions;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.time.Clock;
import java.util.Collection;

/**
 * Assembles a Stage's status from what one reconcile learned, keeping what it did not look at
 * (the last operation, counts) from the current status. The one place that decides Ready.
 */
final class StageStatusBuilder {
  private final Stage stage;
  private final Conditions conditions;
  private String revision;
  private StageStatus.AccountCounts accounts;
  private StageStatus.StackSetStatus stackSet;
  private String cdkContext;
  private Long adoptedGeneration;
  private StageStatus.Drift drift;
  private StageStatus.Coverage coverage;
  private StageStatus.Guardrail guardrail;
  private StageStatus.Plan plan;
  private StageStatus.Approved approved;
  private List<StageStatus.Included> includes;
  private String guardrailPending;
  private boolean keep;
  private boolean bootstrapOk = true;
  private String bootstrapSummary = "";

  StageStatusBuilder(Stage stage, Clock clock) {
    this.stage = stage;
    StageStatus current = stage.getStatus();
    this.conditions = new Conditions(current == null ? null : current.conditions(),
        stage.getMetadata().getGeneration(), clock);
    if (current != null) {
      revision = current.revision();
      accounts = current.accounts();
      stackSet = current.stackSet();
      cdkContext = current.cdkContext();
      adoptedGeneration = current.adoptedGeneration();
      drift = current.drift();
      coverage = current.coverage();
      guardrail = current.guardrail();
      plan = current.plan();
      approved = current.approved();
      includes = current.includes();
    }
  }

  StageStatusBuilder includes(List<StageStatus.Included> i) {
    includes = i == null || i.isEmpty() ? null : i;
    return this;
  }

  StageStatus.Plan plan() {
    return plan;
  }

  StageStatusBuilder plan(StageStatus.Plan p) {
    plan = p;
    return this;
  }

  StageStatus.Approved approved() {
    return approved;
  }

  StageStatusBuilder approved(StageStatus.Approved a) {
    approved = a;
    return this;
  }

  StageStatus.Guardrail guardrail() {
    return guardrail;
  }

  StageStatusBuilder guardrail(StageStatus.Guardrail g) {
    guardrail = g;
    return this;
  }

  StageStatusBuilder revision(String r) {
    revision = r;
    return this;
  }

  StageStatusBuilder coverage(StageStatus.Coverage c) {
    coverage = c;
    return this;
  }

  StageStatusBuilder cdkContext(String c) {
    cdkContext = c;
    return this;
  }

  StageStatusBuilder stackSet(StageStatus.StackSetStatus s) {
    stackSet = s;
    return this;
  }

  StageStatus.StackSetStatus stackSet() {
    return stackSet;
  }

  /** The last operation the operator started, or null. */
  StageStatus.Operation lastOperation() {
    return stackSet == null ? null : stackSet.lastOperation();
  }

  /** Records an operation of the stage's StackSet. */
  StageStatusBuilder operation(String stackSetName, String stackSetId, StageStatus.Operation op) {
    stackSet = new StageStatus.StackSetStatus(stackSetName, stackSetId, op);
    return this;
  }

  Long adoptedGeneration() {
    return adoptedGeneration;
  }

  StageStatusBuilder adopted(long generation) {
    adoptedGeneration = generation;
    return this;
  }

  StageStatus.Drift drift() {
    return drift;
  }

  StageStatusBuilder stackSetDriftChecked(String when, String result) {
    drift = new StageStatus.Drift(when, result, drift == null ? null : drift.reasons());
    return this;
  }

  private boolean inSync = true;
  private String driftSummary = "";

  /** InSync: no account's boundary or bootstrap differs from what the operator deployed. */
  StageStatusBuilder inSync(Map<String, Integer> reasons, boolean remediating) {
    inSync = reasons.isEmpty();
    String lastCheck = drift == null ? null : drift.lastStackSetCheck();
    String stackSetStatus = drift == null ? null : drift.stackSetDriftStatus();
    drift = lastCheck == null && stackSetStatus == null && reasons.isEmpty() ? null
        : new StageStatus.Drift(lastCheck, stackSetStatus, reasons.isEmpty() ? null : Map.copyOf(reasons));
    if (inSync) {
      conditions.set(Conditions.IN_SYNC, true, "InSync", "every account holds what was deployed");
    } else {
      StringBuilder m = new StringBuilder();
      reasons.forEach((r, n) -> m.append(r).append(" in ").append(n)
          .append(r.startsWith("Guardrail") ? " target(s), " : " account(s), "));
      m.setLength(m.length() - 2);
      m.append(remediating ? "; repairing (driftRemediation is Reconcile)"
          : "; driftRemediation is Report: nothing is changed (see the StageAccounts)");
      driftSummary = m.toString();
      conditions.set(Conditions.IN_SYNC, false, "Drifted", driftSummary);
    }
    return this;
  }

  StageStatusBuilder counts(Collection<State> states, int conflicted, int bootstrapped, int drifted, int enforced) {
    int current = 0;
    int pending = 0;
    int failed = 0;
    for (State s : states) {
      switch (s) {
        case CURRENT -> current++;
        case OUTDATED, MISSING -> pending++;
        case FAILED -> failed++;
        default -> { }
      }
    }
    accounts = new StageStatus.AccountCounts(states.size(), current, pending, failed, conflicted,
        drifted, bootstrapped, enforced);
    return this;
  }

  StageStatus.AccountCounts counts() {
    return accounts;
  }

  /** Spec cannot be acted on: Stalled, not Ready, nothing in progress. */
  StageStatusBuilder stalled(String reason, String message) {
    conditions.stalled(reason, message, "waiting for the manifest to be fixed");
    return this;
  }

  /** Work is under way or waiting for something that will come by itself. */
  StageStatusBuilder progressing(String reason, String message) {
    conditions.progressing(reason, message);
    return this;
  }

  /** Nothing left to do for now; Ready when every account is current and none is held. */
  StageStatusBuilder settled(boolean suspended) {
    StageStatus.AccountCounts c = accounts;
    boolean allCurrent = c != null && c.boundaryCurrent() + c.drifted() >= c.targeted() - c.conflicted()
        && c.failed() == 0;
    conditions.settled(suspended ? "Suspended" : "Converged",
        suspended ? "spec.suspend is true: no AWS writes" : "nothing left to do");
    if (suspended) {
      conditions.set(Conditions.READY, false, "Suspended",
          "spec.suspend is true: the operator reports but makes no AWS writes");
    } else if (c != null && c.conflicted() > 0) {
      conditions.set(Conditions.READY, false, "Conflict",
          c.conflicted() + " account(s) are claimed by another Stage too; see the Conflict condition");
    } else if (!allCurrent) {
      conditions.set(Conditions.READY, false, "AccountsNotCurrent", summary());
    } else if (!inSync) {
      conditions.set(Conditions.READY, false, "Drifted", driftSummary);
    } else if (probesFailed != null) {
      conditions.set(Conditions.READY, false, "ProbesFailed", probesFailed);
    } else if (guardrailPending != null) {
      conditions.set(Conditions.READY, false, "Unguarded", guardrailPending);
    } else if (!bootstrapOk) {
      conditions.set(Conditions.READY, false, "NotBootstrapped", bootstrapSummary);
    } else {
      conditions.set(Conditions.READY, true, "Ready", summary());
    }
    return this;
  }

  StageStatusBuilder boundaryDeployed() {
    StageStatus.AccountCounts c = accounts;
    if (c == null) {
      return this;
    }
    boolean all = c.boundaryCurrent() == c.targeted() - c.conflicted() && c.targeted() - c.conflicted() > 0;
    conditions.set(Conditions.BOUNDARY_DEPLOYED, all, all ? "AllAccountsCurrent" : "AccountsPending",
        summary());
    return this;
  }

  /** Bootstrapped: every account's stacks carry the boundary, or are deliberately left alone. */
  StageStatusBuilder bootstrapped(boolean enabled, List<BootstrapState> states) {
    if (!enabled) {
      bootstrapOk = true;
      conditions.set(Conditions.BOOTSTRAPPED, true, "BootstrapDisabled",
          "spec.bootstrap.enabled is false: only the boundary policy is deployed");
      return this;
    }
    Map<BootstrapState, Long> n = new EnumMap<>(BootstrapState.class);
    states.forEach(s -> n.merge(s, 1L, Long::sum));
    long current = n.getOrDefault(BootstrapState.CURRENT, 0L);
    long notBootstrapped = n.getOrDefault(BootstrapState.NOT_BOOTSTRAPPED, 0L);
    long failed = n.getOrDefault(BootstrapState.FAILED, 0L);
    long foreign = n.getOrDefault(BootstrapState.FOREIGN, 0L);
    long held = n.getOrDefault(BootstrapState.CONFLICT, 0L);
    long total = states.size() - held;
    StringBuilder m = new StringBuilder().append(current).append(" of ").append(total)
        .append(" account(s) bootstrapped with the boundary");
    if (notBootstrapped > 0) {
      m.append(", ").append(notBootstrapped).append(" without a bootstrap stack (left alone: createIfMissing is off)");
    }
    if (foreign > 0) {
      m.append(", ").append(foreign).append(" with another BootstrapVariant (not overwritten)");
    }
    if (failed > 0) {
      m.append(", ").append(failed).append(" failed");
    }
    long pending = total - current - notBootstrapped - failed - foreign;
    if (pending > 0) {
      m.append(", ").append(pending).append(" in progress");
    }
    bootstrapSummary = m.toString();
    bootstrapOk = current + notBootstrapped == total;
    String reason = bootstrapOk ? "AllBootstrapped" : failed > 0 ? "BootstrapFailed"
        : foreign > 0 ? "ForeignBootstrapVariant" : "BootstrapInProgress";
    conditions.set(Conditions.BOOTSTRAPPED, bootstrapOk, reason, bootstrapSummary);
    return this;
  }

  private String probesFailed;

  /**
   * Enforced: IAM's own evaluation proved, in every probed account, that the boundary holds the
   * CDK roles. A failed probe makes the stage not Ready: its rules are wrong, or a role is unbounded.
   */
  StageStatusBuilder enforced(boolean bootstrapEnabled, Map<String, StageAccountStatus.Enforcement> probed) {
    probesFailed = null;
    if (!bootstrapEnabled) {
      conditions.unknown(Conditions.ENFORCED, "NoRolesToProbe",
          "spec.bootstrap.enabled is false: there is no CDK execution role to prove the boundary on");
      return this;
    }
    if (probed.isEmpty()) {
      conditions.unknown(Conditions.ENFORCED, "NotCheckedYet", "no account's CDK roles have been probed yet");
      return this;
    }
    List<String> failing = probed.entrySet().stream().filter(e -> e.getValue().failed() > 0).map(Map.Entry::getKey)
        .toList();
    int passed = probed.values().stream().mapToInt(StageAccountStatus.Enforcement::passed).sum();
    if (failing.isEmpty()) {
      conditions.set(Conditions.ENFORCED, true, "AllProbesPassed", passed + " probe(s) decided by IAM as expected in "
          + probed.size() + " account(s)");
    } else {
      probesFailed = "IAM decided enforcement probes otherwise in " + failing.size() + " account(s): "
          + Text.abbreviate(failing, 5) + " (kubectl get stageaccount " + stage.getMetadata().getName() + ".ACCOUNT "
          + "-o jsonpath='{.status.enforcement}' shows which, and why)";
      conditions.set(Conditions.ENFORCED, false, "ProbesFailed", probesFailed);
    }
    return this;
  }

  /**
   * Guarded: the stage's service control policy is in place on every target, and IAM's evaluation
   * shows it denies an unexempt role and lets the operator's member role through in every probed
   * account. Asked for but not in place, or a probe failed: the stage is not Ready.
   */
  StageStatusBuilder guarded(Guardrails.Seen g, boolean bootstrapEnabled,
      Map<String, StageAccountStatus.Enforcement> probed) {
    guardrailPending = null;
    if (!g.enabled()) {
      conditions.set(Conditions.GUARDED, false, "Disabled", "spec.guardrail.enabled is false: an account "
          + "administrator can remove the boundary; drift checks report it an interval later");
      return this;
    }
    String name = g.desired().name();
    if (!g.inPlace()) {
      List<String> missing = g.wanted().stream().filter(t -> !g.attached().contains(t)).toList();
      guardrailPending = g.actual().isEmpty() ? "the service control policy " + name + " does not exist yet"
          : !g.contentCurrent() ? "the service control policy " + name + " does not hold the current document yet"
          : "the service control policy " + name + " is not attached to " + Text.abbreviate(missing, 5) + " yet";
      if (!g.drift().isEmpty()) {
        guardrailPending += " (changed out of band" + (stage.getSpec().remediatesDrift() ? "; repairing)"
            : "; driftRemediation is Report: not changed)");
      }
      conditions.set(Conditions.GUARDED, false, g.drift().isEmpty() ? "GuardrailPending" : "GuardrailDrifted",
          guardrailPending);
      return this;
    }
    String where = "on " + Text.abbreviate(List.copyOf(g.wanted()), 5);
    List<String> failing = probed.entrySet().stream().filter(e -> e.getValue().guardrail() != null
        && e.getValue().guardrail().failed() > 0).map(Map.Entry::getKey).toList();
    long proven = probed.values().stream().filter(e -> e.guardrail() != null && e.guardrail().failed() == 0).count();
    if (!failing.isEmpty()) {
      guardrailPending = "IAM decided guardrail probes otherwise in " + failing.size() + " account(s): "
          + Text.abbreviate(failing, 5) + " (see their StageAccounts' status.enforcement)";
      conditions.set(Conditions.GUARDED, false, "ProbesFailed", guardrailPending);
    } else if (!bootstrapEnabled) {
      conditions.set(Conditions.GUARDED, true, "Attached", "the service control policy " + name + " is attached "
          + where + " (spec.bootstrap.enabled is false: no CDK role to probe)");
    } else if (proven == 0) {
      conditions.unknown(Conditions.GUARDED, "NotCheckedYet", "the service control policy " + name + " is attached "
          + where + "; no account has been probed with it yet");
    } else {
      conditions.set(Conditions.GUARDED, true, "AllProbesPassed", "the service control policy " + name
          + " is attached " + where + "; IAM denies an unexempt role and allows the operator in " + proven
          + " account(s)");
    }
    return this;
  }

  String bootstrapSummary() {
    return bootstrapSummary;
  }

  StageStatusBuilder conflict(boolean conflict, String message) {
    conditions.set(Conditions.CONFLICT, conflict, conflict ? "AccountsClaimedByOtherStages" : "NoConflict",
        message);
    return this;
  }

  String summary() {
    StageStatus.AccountCounts c = accounts;
    if (c == null) {
      return "no accounts resolved yet";
    }
    StringBuilder s = new StringBuilder().append(c.boundaryCurrent()).append(" of ")
        .append(c.targeted() - c.conflicted()).append(" account(s) have the current boundary");
    if (c.pending() > 0) {
      s.append(", ").append(c.pending()).append(" pending");
    }
    if (c.failed() > 0) {
      s.append(", ").append(c.failed()).append(" failed (see kubectl get stageaccounts -l ")
          .append("iam.stageboundary.io/stage=").append(stage.getMetadata().getName()).append(')');
    }
    if (c.drifted() > 0) {
      s.append(", ").append(c.drifted()).append(" drifted");
    }
    return s.toString();
  }

  /** Leaves the status as it is: nothing a reader should see has happened. */
  StageStatusBuilder keepCurrent() {
    keep = true;
    return this;
  }

  StageStatus build() {
    if (keep && stage.getStatus() != null) {
      return stage.getStatus();
    }
    return new StageStatus(stage.getMetadata().getGeneration(), conditions.build(), revision,
        accounts, stackSet, cdkContext, adoptedGeneration, drift, coverage, guardrail, plan, approved, includes);
  }
}
