package io.stageboundary.operator.stage.status;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.Conditions;
import io.stageboundary.operator.stage.pass.GuardrailObservation;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Assembles a Stage's status from what one reconcile learned, keeping what it did not look at
 * (the last operation, counts) from the current status. The one place that decides Ready.
 */
public final class StageStatusBuilder {
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
  private final java.util.Map<String, io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus> exceptions =
      new java.util.TreeMap<>();
  /** Whether the pass settled (and if so, suspended); null when it stalled, is in progress, or has not said. */
  private Boolean settled;
  private boolean bootstrapOk = true;
  private String bootstrapSummary = "";

  public StageStatusBuilder(Stage stage, Clock clock) {
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

  /** What a pass found of one BoundaryException of the stage (written to that object, not the Stage). */
  public StageStatusBuilder exception(String name, io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus s) {
    exceptions.put(name, s);
    return this;
  }

  /** The BoundaryExceptions' statuses this pass computed, by name. */
  public java.util.Map<String, io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus> exceptions() {
    return java.util.Collections.unmodifiableMap(exceptions);
  }

  public StageStatusBuilder includes(List<StageStatus.Included> i) {
    includes = i == null || i.isEmpty() ? null : i;
    return this;
  }

  public StageStatus.Plan plan() {
    return plan;
  }

  public StageStatusBuilder plan(StageStatus.Plan p) {
    plan = p;
    return this;
  }

  public StageStatus.Approved approved() {
    return approved;
  }

  public StageStatusBuilder approved(StageStatus.Approved a) {
    approved = a;
    return this;
  }

  public StageStatus.Guardrail guardrail() {
    return guardrail;
  }

  public StageStatusBuilder guardrail(StageStatus.Guardrail g) {
    guardrail = g;
    return this;
  }

  public StageStatusBuilder revision(String r) {
    revision = r;
    return this;
  }

  public StageStatusBuilder coverage(StageStatus.Coverage c) {
    coverage = c;
    return this;
  }

  public StageStatusBuilder cdkContext(String c) {
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
  public StageStatus.Operation lastOperation() {
    return stackSet == null ? null : stackSet.lastOperation();
  }

  /** Records an operation of the stage's StackSet. */
  public StageStatusBuilder operation(String stackSetName, String stackSetId, StageStatus.Operation op) {
    stackSet = new StageStatus.StackSetStatus(stackSetName, stackSetId, op);
    return this;
  }

  public Long adoptedGeneration() {
    return adoptedGeneration;
  }

  public StageStatusBuilder adopted(long generation) {
    adoptedGeneration = generation;
    return this;
  }

  public StageStatus.Drift drift() {
    return drift;
  }

  public StageStatusBuilder stackSetDriftChecked(String when, String result) {
    drift = new StageStatus.Drift(when, result, drift == null ? null : drift.reasons());
    return this;
  }

  private boolean inSync = true;
  private String driftSummary = "";

  /** InSync: no account's boundary or bootstrap differs from what the operator deployed. */
  public StageStatusBuilder inSync(Map<String, Integer> reasons, boolean remediating) {
    inSync = reasons.isEmpty();
    String lastCheck = drift == null ? null : drift.lastStackSetCheck();
    String stackSetStatus = drift == null ? null : drift.stackSetDriftStatus();
    drift = lastCheck == null && stackSetStatus == null && reasons.isEmpty() ? null
        : new StageStatus.Drift(lastCheck, stackSetStatus, reasons.isEmpty() ? null : Map.copyOf(reasons));
    if (inSync) {
      conditions.set(Conditions.IN_SYNC, true, ConditionReason.InSync, "every account holds what was deployed");
    } else {
      StringBuilder m = new StringBuilder();
      reasons.forEach((r, n) -> m.append(r).append(" in ").append(n)
          .append(r.startsWith("Guardrail") ? " target(s), " : " account(s), "));
      m.setLength(m.length() - 2);
      m.append(remediating ? "; repairing (driftRemediation is Reconcile)"
          : "; driftRemediation is Report: nothing is changed (see the StageAccounts)");
      driftSummary = m.toString();
      conditions.set(Conditions.IN_SYNC, false, ConditionReason.Drifted, driftSummary);
    }
    return this;
  }

  private int excepted;

  public StageStatusBuilder counts(Collection<State> states, int conflicted, int bootstrapped, int drifted, int enforced,
      Map<String, Integer> blockedBy) {
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
    this.blockedBy = new java.util.TreeMap<>(blockedBy);
    int blocked = blockedBy.values().stream().mapToInt(Integer::intValue).sum();
    accounts = new StageStatus.AccountCounts(states.size(), current, pending, failed, conflicted,
        drifted, bootstrapped, enforced, blocked == 0 ? null : blocked, excepted == 0 ? null : excepted);
    return this;
  }

  /** How many accounts a BoundaryException lifts statements in now (the Excepted column); counted by {@link #counts}. */
  public StageStatusBuilder excepted(int accounts) {
    this.excepted = accounts;
    return this;
  }

  public StageStatus.AccountCounts counts() {
    return accounts;
  }

  /** Spec cannot be acted on: Stalled, not Ready, nothing in progress. */
  public StageStatusBuilder stalled(ConditionReason reason, String message) {
    conditions.stalled(reason, message, "waiting for the manifest to be fixed");
    settled = null;
    return this;
  }

  /** Work is under way or waiting for something that will come by itself. */
  public StageStatusBuilder progressing(ConditionReason reason, String message) {
    conditions.progressing(reason, message);
    settled = null;
    return this;
  }

  /**
   * Nothing left to do for now. Ready itself is decided when the status is built ({@link #ready}),
   * from everything the pass reported, whatever order the steps reported it in.
   */
  public StageStatusBuilder settled(boolean suspended) {
    conditions.settled(suspended ? ConditionReason.Suspended : ConditionReason.Converged,
        suspended ? "spec.suspend is true: no AWS writes" : "nothing left to do");
    settled = suspended;
    return this;
  }

  /** Ready of a settled stage: every account current and none held, in sync, proven, guarded, bootstrapped. */
  private void ready(boolean suspended) {
    StageStatus.AccountCounts c = accounts;
    boolean allCurrent = c != null && c.boundaryCurrent() + c.drifted() >= c.targeted() - c.conflicted()
        && c.failed() == 0;
    if (suspended) {
      conditions.set(Conditions.READY, false, ConditionReason.Suspended,
          "spec.suspend is true: the operator reports but makes no AWS writes");
    } else if (c != null && c.conflicted() > 0) {
      conditions.set(Conditions.READY, false, ConditionReason.Conflict,
          c.conflicted() + " account(s) are claimed by another Stage too; see the Conflict condition");
    } else if (c != null && c.blocked() != null && c.blocked() > 0) {
      conditions.set(Conditions.READY, false, ConditionReason.AccountsBlocked, blockedSummary());
    } else if (!allCurrent) {
      conditions.set(Conditions.READY, false, ConditionReason.AccountsNotCurrent, summary());
    } else if (!inSync) {
      conditions.set(Conditions.READY, false, ConditionReason.Drifted, driftSummary);
    } else if (probesFailed != null) {
      conditions.set(Conditions.READY, false, ConditionReason.ProbesFailed, probesFailed);
    } else if (guardrailPending != null) {
      conditions.set(Conditions.READY, false, ConditionReason.Unguarded, guardrailPending);
    } else if (!bootstrapOk) {
      conditions.set(Conditions.READY, false, ConditionReason.NotBootstrapped, bootstrapSummary);
    } else {
      conditions.set(Conditions.READY, true, ConditionReason.Ready, summary());
    }
  }

  public StageStatusBuilder boundaryDeployed() {
    StageStatus.AccountCounts c = accounts;
    if (c == null) {
      return this;
    }
    boolean all = c.boundaryCurrent() == c.targeted() - c.conflicted() && c.targeted() - c.conflicted() > 0;
    conditions.set(Conditions.BOUNDARY_DEPLOYED, all, all ? ConditionReason.AllAccountsCurrent : ConditionReason.AccountsPending,
        summary());
    return this;
  }

  /** Bootstrapped: every account's stacks carry the boundary, or are deliberately left alone. */
  public StageStatusBuilder bootstrapped(boolean enabled, List<BootstrapState> states) {
    RollupConditions.Bootstrap b = RollupConditions.bootstrapped(conditions, enabled, states);
    bootstrapOk = b.ok();
    bootstrapSummary = b.summary();
    return this;
  }

  private String probesFailed;

  /** Enforced (see {@link RollupConditions#enforced}); a failed probe makes the stage not Ready. */
  public StageStatusBuilder enforced(boolean bootstrapEnabled, Map<String, StageAccountStatus.Enforcement> probed) {
    probesFailed = RollupConditions.enforced(conditions, stage.getMetadata().getName(), revision, bootstrapEnabled,
        probed);
    return this;
  }

  /** Guarded (see {@link RollupConditions#guarded}); asked for and not in place or not proven: not Ready. */
  public StageStatusBuilder guarded(GuardrailObservation g, boolean bootstrapEnabled,
      Map<String, StageAccountStatus.Enforcement> probed) {
    guardrailPending = RollupConditions.guarded(conditions, stage.getSpec().remediatesDrift(), g, bootstrapEnabled,
        probed);
    return this;
  }

  public String bootstrapSummary() {
    return bootstrapSummary;
  }

  public StageStatusBuilder conflict(boolean conflict, String message) {
    conditions.set(Conditions.CONFLICT, conflict, conflict ? ConditionReason.AccountsClaimedByOtherStages : ConditionReason.NoConflict,
        message);
    return this;
  }

  private Map<String, Integer> blockedBy = Map.of();

  /**
   * "k of n account(s) blocked": a blocked account needs a fix outside the stage, so the stage is not
   * Ready (Argo CD: Degraded), while the other accounts go on and are named as converging.
   */
  String blockedSummary() {
    StageStatus.AccountCounts c = accounts;
    StringBuilder s = new StringBuilder().append(c.blocked()).append(" of ").append(c.targeted() - c.conflicted())
        .append(" account(s) blocked (");
    blockedBy.forEach((reason, n) -> s.append(reason).append(" in ").append(n).append(", "));
    s.setLength(s.length() - 2);
    s.append("; see kubectl get stageaccounts -l iam.stageboundary.io/stage=").append(stage.getMetadata().getName())
        .append("); each is retried by itself with a backoff, the others go on: ").append(summary());
    return s.toString();
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
  public StageStatusBuilder keepCurrent() {
    keep = true;
    return this;
  }

  public StageStatus build() {
    if (keep && stage.getStatus() != null) {
      return stage.getStatus();
    }
    if (settled != null) {
      ready(settled);
    }
    return new StageStatus(stage.getMetadata().getGeneration(), conditions.build(), revision,
        accounts, stackSet, cdkContext, adoptedGeneration, drift, coverage, guardrail, plan, approved, includes);
  }
}
