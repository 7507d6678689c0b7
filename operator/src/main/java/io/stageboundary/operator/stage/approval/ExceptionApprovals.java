package io.stageboundary.operator.stage.approval;

import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Approval of BoundaryExceptions on a Manual stage: a plan of their own, approved by the same
 * annotation as the stage's plans ({@link Approvals}), recorded in {@code status.approved.exceptions}.
 */
public final class ExceptionApprovals {
  private final Events events;
  private final Schedule schedule;

  public ExceptionApprovals(Events events, Schedule schedule) {
    this.events = events;
    this.schedule = schedule;
  }

  /**
   * BoundaryExceptions on a Manual stage: returns the keys (uid@generation) approved. The
   * {@code waiting} ones (key to what a plan says of each, computed only when the plan is new) are
   * asked for in a plan of their own once the stage's desired state is approved; the same annotation
   * approves it. Approvals of exceptions that no longer exist ({@code current}) are forgotten, and
   * ending an exception never needs approval.
   */
  public Set<String> approved(StageInputs in, Map<String, Supplier<String>> waiting, Set<String> current,
      StageStatusBuilder status) {
    StageStatus.Approved approved = status.approved();
    if (approved == null) {
      return Set.of();  // the gate holds such a stage before its exceptions are judged
    }
    List<String> before = approved.exceptions() == null ? List.of() : approved.exceptions();
    Set<String> keys = new TreeSet<>(before);
    keys.retainAll(current);
    if (!keys.equals(new TreeSet<>(before))) {
      approved = new StageStatus.Approved(approved.planId(), approved.desired(), approved.at(),
          keys.isEmpty() ? null : List.copyOf(keys));
      status.approved(approved);
    }
    SortedMap<String, Supplier<String>> asked = new TreeMap<>(waiting);
    asked.keySet().removeAll(keys);
    if (asked.isEmpty()) {
      return keys;
    }
    String id = "plan-" + CanonicalPolicy.hash("exceptions|" + asked.keySet());
    StageStatus.Plan last = in.stage().getStatus() == null ? null : in.stage().getStatus().plan();
    List<String> what = last != null && id.equals(last.id()) && last.exceptions() != null ? last.exceptions()
        : asked.values().stream().map(Supplier::get).toList();
    String approval = Approvals.approvalOf(in);
    if (id.equals(approval)) {
      keys.addAll(asked.keySet());
      status.approved(new StageStatus.Approved(id, approved.desired(), schedule.stamp(), List.copyOf(keys)));
      events.normal(in.stage(), EventReason.PlanApproved, "plan " + id + " approved: " + asked.size()
          + " BoundaryException(s): " + String.join("; ", what));
      return keys;
    }
    if (last == null || !id.equals(last.id())) {
      events.normal(in.stage(), EventReason.PlanReady, "plan " + id + " waits for approval: " + asked.size()
          + " BoundaryException(s): " + String.join("; ", what));
    }
    String revision = in.stage().getStatus() == null ? null : in.stage().getStatus().revision();
    status.plan(new StageStatus.Plan(id, approved.desired(), revision, revision, List.of(), List.of(), List.of(),
        List.of(), List.of(), List.of(), List.of(), Map.of(), null, List.of(),
        last != null && id.equals(last.id()) ? last.computedAt() : schedule.stamp(), null, null, what));
    return keys;
  }
}
