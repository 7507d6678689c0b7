package io.stageboundary.operator.stage.rollout;

import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.stage.pass.OperationPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stage's StackSet instances, listed again only when they can have changed. Only a StackSet
 * operation changes an instance (CloudFormation's stack instance lifecycle), and this operator
 * starts them one at a time per stack set and follows each to its end, so the list read after the
 * last operation ended stays true until the next one starts or ends, or a drift detection ends.
 * The operator makes its stack sets with automatic deployment off (it decides membership), so an
 * operation it did not start is someone else's hand, seen within the stage's drift check interval
 * like every other drift (the hourly StackSet drift detection lists them anyway). A change in the
 * stage's accounts (joined, left, suspended, closed) lists them again all the same: what the
 * planner decides for such an account rests on what StackSets reports for its instance, and the
 * organisation changes rarely. ListStackInstances returns 100 instances a page: a stage of 1,000
 * accounts read it on every pass while its bootstrap stacks started, ~100 times; now ~3 times per
 * rollout, and at rest once an interval instead of once a resync (20 pages every 10 minutes, 0.07
 * calls per account and hour). While an operation runs its instances end round by round, so the list is read as often as
 * the operation is looked at (an eighth of its age apart, {@link StackSetOperations#lookAtRunning});
 * the passes between, for bootstrap stacks, use it.
 */
public final class InstanceListings {
  /** The stage's accounts as the organisation lists them: when they change, the instances are listed again. */
  public record Members(Set<String> active, Set<String> suspended) {
    public Members {
      active = Set.copyOf(active);
      suspended = Set.copyOf(suspended);
    }
  }

  /** What the list depends on: when any part differs from the listing's, the list is read again. */
  private record Basis(String operationId, String operationStatus, Instant lastDriftCheck, String driftStatus,
      int template, Members members) {
    static Basis of(StackSetView stackSet, StageStatus.Operation last, Members members) {
      return new Basis(last == null ? null : last.id(), last == null ? null : last.status(),
          stackSet.lastDriftCheck(), stackSet.driftStatus(), Objects.hashCode(stackSet.templateBody()), members);
    }
  }

  private record Listing(Basis basis, Instant at, List<InstanceView> instances) {}

  /** By stack set id: a stack set made again under the same name is listed afresh. */
  private final Map<String, Listing> byStackSet = new ConcurrentHashMap<>();
  private final Schedule schedule;

  public InstanceListings(Schedule schedule) {
    this.schedule = schedule;
  }

  /**
   * The stack set's instances in {@code region}, as of the last operation followed in {@code last}.
   *
   * @param members the stage's accounts in the organisation as last read: when they change, the
   *     planner's decisions for the accounts that changed rest on a fresh list
   * @param driftCheckInterval how long a list stands when nothing it depends on changed
   */
  public List<InstanceView> in(BoundaryStackSets stackSets, StackSetView stackSet, StageStatus.Operation last,
      String region, Members members, Duration driftCheckInterval) {
    Basis basis = Basis.of(stackSet, last, members);
    Instant now = schedule.now();
    Listing listing = byStackSet.get(stackSet.id());
    if (listing == null || !listing.basis().equals(basis)
        || (OperationPhase.rolling(last) && !listing.at().plus(StackSetOperations.lookAtRunning(last, schedule)).isAfter(now))
        || !listing.at().plus(driftCheckInterval).isAfter(now)) {
      listing = new Listing(basis, now, stackSets.instances(stackSet.name()).stream()
          .filter(i -> region.equals(i.region())).toList());
      byStackSet.put(stackSet.id(), listing);
    }
    return listing.instances();
  }

  /** The stack set is gone (its stage deleted): its listing goes with it. */
  public void forget(String stackSetId) {
    byStackSet.remove(stackSetId);
  }
}
