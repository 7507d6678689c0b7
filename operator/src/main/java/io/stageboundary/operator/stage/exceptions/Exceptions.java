package io.stageboundary.operator.stage.exceptions;

import io.stageboundary.operator.api.v1alpha1.exception.BoundaryException;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionSpec;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus.Phase;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Lift;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.Target;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.BoundaryTemplate;
import io.stageboundary.operator.policy.Guards;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.rollout.RolloutPlanner;
import io.stageboundary.operator.stage.status.StageMetrics;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * What the stage's BoundaryExceptions grant, and what AWS holds of it. Each exception is judged
 * (refused with what to change, expired, waiting for approval, or granted); the granted ones give,
 * per account, the statements to lift; each instance's parameter overrides (DescribeStackInstance,
 * only for accounts that have or had an exception) say which are lifted now. The difference is one
 * {@link RolloutPlanner.OverrideParameters} step at a time, ends before grants. Nothing else is
 * written, and a refused exception writes nothing at all.
 */
public final class Exceptions {
  private static final Logger LOG = Logger.getLogger(Exceptions.class);

  private final Events events;
  private final Schedule schedule;

  public Exceptions(Events events, Schedule schedule) {
    this.events = events;
    this.schedule = schedule;
  }

  /**
   * @param desired per account, the statements granted exceptions lift there
   * @param applied per account, the statements its instance lifts now
   * @param inForce per account, the exceptions in force (for its StageAccount)
   * @param changed accounts whose lifts differ from what their StageAccount last said: checked again now
   * @param nextExpiry when the first granted exception ends
   */
  public record Resolved(Map<String, SortedSet<String>> desired, Map<String, SortedSet<String>> applied,
      Map<String, List<Lift>> inForce, Set<String> changed, Optional<Instant> nextExpiry) {
    public static Resolved none() {
      return new Resolved(Map.of(), Map.of(), Map.of(), Set.of(), Optional.empty());
    }

    /**
     * The next override: an account whose instance lifts other statements than granted, ends first
     * (the whole boundary back) and grants after. Only accounts whose instance is current.
     */
    public Optional<RolloutPlanner.OverrideParameters> step(Map<String, String> deployTo, Map<String, InstanceView> instances,
        Instant now) {
      List<String> ends = new ArrayList<>();
      List<String> grants = new ArrayList<>();
      Set<String> accounts = new TreeSet<>(desired.keySet());
      accounts.addAll(applied.keySet());
      for (String account : accounts) {
        InstanceView i = instances.get(account);
        if (!deployTo.containsKey(account) || i == null || !i.current()) {
          continue;
        }
        SortedSet<String> want = desired.getOrDefault(account, Collections.emptySortedSet());
        if (!want.equals(applied.getOrDefault(account, Collections.emptySortedSet()))) {
          (want.isEmpty() || !want.containsAll(applied.getOrDefault(account, Collections.emptySortedSet())) ? ends : grants)
              .add(account);
        }
      }
      String account = !ends.isEmpty() ? ends.get(0) : grants.isEmpty() ? null : grants.get(0);
      return account == null ? Optional.empty() : Optional.of(new RolloutPlanner.OverrideParameters(
          List.of(new Target(account, deployTo.get(account))), new TreeSet<>(desired.getOrDefault(account,
              Collections.emptySortedSet())), now));
    }
  }

  /** One exception judged. */
  record Verdict(BoundaryException exception, Phase phase, String message, Instant expiresAt) {
    boolean granted() {
      return phase == Phase.Pending || phase == Phase.Active;
    }
  }

  public Resolved resolve(StageInputs in, BoundaryDocument doc, Observation seen, StageStatusBuilder status,
      StageMetrics metrics, ExceptionRequests.Approval approval) {
    Map<String, List<Lift>> last = in.lastReported(StageAccountStatus::exceptions);
    List<String> lifting = lifting(status);
    if (in.exceptions().isEmpty() && last.isEmpty() && lifting.isEmpty()) {
      metrics.exceptions(in.stage(), 0, 0);
      return Resolved.none();
    }
    Instant now = schedule.now();
    List<Verdict> verdicts = new ArrayList<>();
    Map<String, Supplier<String>> waiting = new TreeMap<>();
    Set<String> current = new TreeSet<>();
    for (BoundaryException e : in.exceptions()) {
      Verdict v = judge(in.stage().getSpec(), doc, seen, e, now);
      verdicts.add(v);
      current.add(ExceptionRequests.key(e));
      if (v.phase() == Phase.AwaitingApproval) {
        waiting.put(ExceptionRequests.key(e), () -> ExceptionRequests.describe(doc, e));
      }
    }
    if (in.stage().getSpec().rolloutOrDefault().approvalOrDefault() == StageSpec.Rollout.Approval.Manual) {
      Set<String> approved = approval.approved(waiting, current);
      String plan = status.plan() == null ? null : status.plan().id();
      verdicts.replaceAll(v -> v.phase() != Phase.AwaitingApproval ? v : approved.contains(ExceptionRequests.key(v.exception()))
          ? new Verdict(v.exception(), Phase.Pending, null, v.expiresAt())
          : new Verdict(v.exception(), v.phase(), plan == null ? "waits until the stage's own plan is approved, then "
              + "for a plan of its own" : "waits for approval: plan " + plan + " in the stage's status.plan; kubectl "
              + "annotate stage " + in.name() + " --overwrite iam.stageboundary.io/approve=" + plan, v.expiresAt()));
    }
    Map<String, SortedSet<String>> desired = new TreeMap<>();
    verdicts.stream().filter(Verdict::granted).forEach(v -> v.exception().getSpec().accounts().forEach(a ->
        desired.computeIfAbsent(a, k -> new TreeSet<>()).addAll(v.exception().getSpec().statements())));
    Set<String> look = new TreeSet<>(desired.keySet());
    look.addAll(last.keySet());
    look.addAll(lifting);
    Map<String, SortedSet<String>> applied = new TreeMap<>();
    Map<String, InstanceView> instances = seen.instancesByAccount();
    String stackSet = seen.stackSet().map(s -> s.name()).orElse(null);
    for (String account : look) {
      if (stackSet == null || !instances.containsKey(account) || seen.suspended().contains(account)) {
        continue;
      }
      SortedSet<String> lifted = BoundaryTemplate.liftedBy(
          seen.organization().stackSets().parameterOverrides(stackSet, account, seen.organization().region()));
      if (!lifted.isEmpty()) {
        applied.put(account, lifted);
      }
    }
    Map<String, List<Lift>> inForce = new TreeMap<>();
    int active = 0;
    int breakGlass = 0;
    Optional<Instant> next = Optional.empty();
    for (Verdict v : verdicts) {
      BoundaryException e = v.exception();
      BoundaryExceptionSpec spec = e.getSpec();
      List<String> liftedIn = new ArrayList<>();
      Phase phase = v.phase();
      if (v.granted()) {
        for (String account : spec.accounts()) {
          if (applied.getOrDefault(account, Collections.emptySortedSet()).containsAll(spec.statements())) {
            liftedIn.add(account);
            inForce.computeIfAbsent(account, k -> new ArrayList<>()).add(new Lift(e.getMetadata().getName(),
                List.copyOf(spec.statements()), spec.expiresAt(), spec.breakGlassOrDefault() ? true : null,
                spec.reason() + (spec.ticket() == null ? "" : " (" + spec.ticket() + ")")));
          }
        }
        phase = liftedIn.size() == spec.accounts().size() ? Phase.Active : Phase.Pending;
        next = next.isEmpty() || v.expiresAt().isBefore(next.get()) ? Optional.of(v.expiresAt()) : next;
      }
      if (phase == Phase.Active) {
        active++;
        breakGlass += spec.breakGlassOrDefault() ? 1 : 0;
      }
      String message = phase == Phase.Active ? "lifts " + String.join(", ", spec.statements()) + " in "
          + String.join(", ", liftedIn) + " until " + spec.expiresAt()
          : phase == Phase.Pending ? "granted; being applied (" + liftedIn.size() + " of " + spec.accounts().size()
              + " account(s) so far)" : v.message();
      BoundaryExceptionStatus next0 = new BoundaryExceptionStatus(e.getMetadata().getGeneration(), phase, message,
          liftedIn.isEmpty() ? null : List.copyOf(liftedIn));
      announce(in, e, next0);
      status.exception(e.getMetadata().getName(), next0);
    }
    metrics.exceptions(in.stage(), active, breakGlass);
    status.excepted(inForce.size());
    Set<String> changed = new TreeSet<>();
    Set<String> all = new TreeSet<>(applied.keySet());
    all.addAll(last.keySet());
    for (String account : all) {
      Set<String> before = new TreeSet<>();
      last.getOrDefault(account, List.of()).forEach(l -> before.addAll(l.statements()));
      if (!before.equals(applied.getOrDefault(account, Collections.emptySortedSet()))) {
        changed.add(account);
      }
    }
    return new Resolved(desired, applied, inForce, changed, next);
  }

  /**
   * The accounts the last operation lifted statements in: a lift is read back from them until a
   * StageAccount records it, even when its exception is deleted while the override runs.
   */
  private static List<String> lifting(StageStatusBuilder status) {
    StageStatus.Operation op = status.lastOperation();
    return op == null || op.lifting() == null ? List.of() : op.lifting();
  }

  private static String hours(Duration d) {
    return d.toMinutes() % 60 == 0 ? d.toHours() + "h" : d.toMinutes() + "m";
  }

  /** Events when an exception's phase changes: granted (break-glass loudly), ended, refused. */
  private void announce(StageInputs in, BoundaryException e, BoundaryExceptionStatus now) {
    Phase before = e.getStatus() == null ? null : e.getStatus().phase();
    if (before == now.phase()) {
      return;
    }
    BoundaryExceptionSpec spec = e.getSpec();
    String who = "BoundaryException " + e.getMetadata().getName();
    switch (now.phase()) {
      case Active -> {
        String msg = who + " lifts " + String.join(", ", spec.statements()) + " of stage " + in.name() + " in "
            + String.join(", ", spec.accounts()) + " until " + spec.expiresAt() + ": " + spec.reason()
            + (spec.ticket() == null ? "" : " (" + spec.ticket() + ")")
            + (spec.approvedBy() == null ? "" : ", approved by " + spec.approvedBy());
        if (spec.breakGlassOrDefault()) {
          events.warning(in.stage(), EventReason.BreakGlassGranted, "break-glass: " + msg);
          events.warning(e, EventReason.BreakGlassGranted, "break-glass: " + msg);
        } else {
          events.normal(in.stage(), EventReason.ExceptionGranted, msg);
          events.normal(e, EventReason.ExceptionGranted, msg);
        }
        LOG.infof("stage %s: %s", in.name(), msg);
      }
      case Expired -> {
        String msg = who + " expired at " + spec.expiresAt() + ": the whole boundary applies again in "
            + String.join(", ", spec.accounts());
        events.normal(in.stage(), EventReason.ExceptionEnded, msg);
        events.normal(e, EventReason.ExceptionEnded, msg);
      }
      case Refused -> events.warning(e, EventReason.ExceptionRefused, now.message());
      default -> { }
    }
  }

  /** Refused (with what to change), expired, waiting for approval, or granted. Pure. */
  static Verdict judge(StageSpec stage, BoundaryDocument doc, Observation seen, BoundaryException e, Instant now) {
    BoundaryExceptionSpec spec = e.getSpec();
    List<String> problems = new ArrayList<>();
    Instant expires = null;
    try {
      expires = Instant.parse(spec.expiresAt());
    } catch (DateTimeParseException | NullPointerException x) {
      problems.add("spec.expiresAt '" + spec.expiresAt() + "' is not a UTC time such as 2026-12-09T00:00:00Z");
    }
    for (String sid : spec.statements()) {
      if (Guards.RESERVED_SIDS.contains(sid)) {
        problems.add("statement " + sid + " is a guard statement: it keeps the boundary in place and is never lifted");
      } else if (!doc.liftable().contains(sid)) {
        problems.add("statement " + sid + " is not one of the stage's Deny statements (those that can be lifted: "
            + (doc.liftable().isEmpty() ? "none" : String.join(", ", doc.liftable())) + ")");
      }
    }
    for (String account : spec.accounts()) {
      if (!seen.targeted().containsKey(account)) {
        problems.add("account " + account + " is not one of the stage's accounts");
      }
    }
    Duration max = stage.exceptionsOrDefault().max(spec.breakGlassOrDefault());
    Instant created = e.getMetadata().getCreationTimestamp() == null ? now : Instant.parse(e.getMetadata().getCreationTimestamp());
    if (expires != null && expires.isAfter(created.plus(max))) {
      problems.add("spec.expiresAt " + spec.expiresAt() + " is more than " + hours(max)
          + (spec.breakGlassOrDefault() ? " (the stage's spec.exceptions.breakGlassMaxDuration)"
              : " (the stage's spec.exceptions.maxDuration)") + " after the exception was created (" + created + ")");
    }
    if (!problems.isEmpty()) {
      return new Verdict(e, Phase.Refused, "refused, nothing is lifted: " + String.join("; ", problems), expires);
    }
    if (!now.isBefore(expires)) {
      return new Verdict(e, Phase.Expired, "expired at " + spec.expiresAt() + ": the whole boundary applies", expires);
    }
    if (stage.rolloutOrDefault().approvalOrDefault() == StageSpec.Rollout.Approval.Manual && !spec.breakGlassOrDefault()) {
      return new Verdict(e, Phase.AwaitingApproval, "waits for approval", expires);
    }
    return new Verdict(e, Phase.Pending, null, expires);
  }
}
