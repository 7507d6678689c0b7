package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.organization.OrganizationContext;
import io.stageboundary.operator.stage.claims.Claiming;
import io.stageboundary.operator.stage.pass.Gate;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.OperationAction;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.rollout.InstanceListings;
import io.stageboundary.operator.stage.rollout.StackSetOperations;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Observes a Stage's world, writing nothing to AWS: resolves its targets through the
 * organisation, settles claims with the other Stages, follows the StackSet operation in flight,
 * and works out membership since the last rollout.
 */
final class StageObserver {
  /**
   * A Stage naming an OU or account the cached snapshot lacks (created a moment ago) reads the
   * organisation again, at most this often per organisation; while the id stays unknown the Stage
   * looks again after this, doubling up to the organisation's refresh interval, so a wrong id costs
   * a few reads, not a loop.
   */
  static final Duration UNKNOWN_ID_REFRESH = Duration.ofSeconds(10);
  private final Map<String, Integer> unknownIdPasses = new java.util.concurrent.ConcurrentHashMap<>();

  private final Claiming claiming;
  private final StackSetOperations operations;
  private final InstanceListings listings;
  private final Schedule schedule;

  StageObserver(Claiming claiming, StackSetOperations operations, InstanceListings listings, Schedule schedule) {
    this.claiming = claiming;
    this.operations = operations;
    this.listings = listings;
    this.schedule = schedule;
  }

  Gate<Observation> observe(StageInputs in, OrganizationContext org, StageStatusBuilder status) {
    Stage stage = in.stage();
    StageSpec spec = stage.getSpec();
    // 1. Targets, through a cached snapshot of the organisation's OUs and accounts.
    OrganizationSnapshot snapshot = org.snapshot();
    TargetResolver.Resolved resolved = TargetResolver.resolve(spec.targets(), snapshot);
    if (!resolved.valid()) {
      snapshot = org.refreshIfOlderThan(UNKNOWN_ID_REFRESH);
      resolved = TargetResolver.resolve(spec.targets(), snapshot);
    }
    String key = in.name() + "/" + stage.getMetadata().getGeneration();
    if (!resolved.valid()) {
      claiming.publishNothing(stage);
      status.stalled(ConditionReason.InvalidTargets, String.join("; ", resolved.problems()));
      int n = unknownIdPasses.merge(key, 1, Integer::sum);
      Duration again = UNKNOWN_ID_REFRESH.multipliedBy(1L << Math.min(n - 1, 10));
      return Gate.stop(again.compareTo(org.refreshInterval()) < 0 ? again : org.refreshInterval());
    }
    unknownIdPasses.keySet().removeIf(k -> k.startsWith(in.name() + "/"));
    // 2. Who owns which account, settled before anything is written.
    claiming.publish(stage, resolved.accounts().keySet());
    if (!claiming.complete(in.peers())) {
      // Only right after a start (or a new Stage): a moment, not worth a status change that
      // would make every Stage flicker to Reconciling on each restart.
      if (stage.getStatus() != null && Objects.equals(stage.getStatus().observedGeneration(),
          stage.getMetadata().getGeneration())) {
        status.keepCurrent();
      } else {
        status.progressing(ConditionReason.WaitingForOtherStages,
            "waiting until every Stage of the organisation has resolved its accounts");
      }
      return Gate.stop(Duration.ofSeconds(1));
    }
    Map<String, Set<String>> conflicts = claiming.conflictsOf(stage.getMetadata().getName());
    status.conflict(!conflicts.isEmpty(), claiming.conflictMessage(stage.getMetadata().getName(), conflicts));
    // 3. The StackSet and the operation in flight.
    BoundaryStackSets stackSets = org.stackSets();
    Optional<StackSetView> stackSet = stackSets.describe(StageController.stackSetName(in.name()));
    boolean detectionRunning = false;
    if (stackSet.isPresent()
        && operations.follow(stage, status, stackSets, stackSet.get()) == StackSetOperations.Followed.RUNNING) {
      StageStatus.Operation running = status.lastOperation();
      if (OperationAction.of(running.action()) != OperationAction.DETECT_DRIFT) {
        // StackSets finish instances round by round: the pass goes on for the accounts whose
        // instance is current already (their proof and bootstrap), and starts no other StackSet write
        StackSetOperations.reportRunning(status, running.id(), running.action(), running.accounts());
      } else {
        detectionRunning = true;  // drift detection runs in the background: the stage stays as it is meanwhile
      }
    }
    List<InstanceView> instances = stackSet.isEmpty() ? List.of()
        : listings.in(stackSets, stackSet.get(), status.lastOperation(), org.region(),
            new InstanceListings.Members(resolved.accounts().keySet(), resolved.suspended()),
            spec.driftCheckIntervalOrDefault());
    Set<String> heldByConflict = in.lastReported(StageAccountStatus::boundary).entrySet().stream()
        .filter(e -> e.getValue().state() == StageAccountStatus.State.CONFLICT).map(Map.Entry::getKey)
        .collect(Collectors.toSet());
    return Gate.go(membership(stage, snapshot, resolved, conflicts, heldByConflict, stackSet, instances,
        detectionRunning, org, status));
  }

  /**
   * A spec change adopts the resolved accounts; accounts that join or leave the targeted OUs
   * afterwards are drift, followed only under driftRemediation Reconcile. An account the spec
   * targeted all along but a conflict held back ({@code heldByConflict}: last reported CONFLICT)
   * did not join: it is deployed as soon as the conflict ends. A suspended account, or one the
   * organisation no longer lists, did not leave either: its instance is held (StackSets skip it;
   * nothing is written for it) and it is not drift.
   */
  private static Observation membership(Stage stage, OrganizationSnapshot snapshot,
      TargetResolver.Resolved resolved, Map<String, Set<String>> conflicts, Set<String> heldByConflict,
      Optional<StackSetView> stackSet,
      List<InstanceView> instances, boolean detectionRunning, OrganizationContext org, StageStatusBuilder status) {
    StageSpec spec = stage.getSpec();
    SortedMap<String, String> targeted = resolved.accounts();
    SortedMap<String, String> deployTo = new TreeMap<>(targeted);
    conflicts.keySet().forEach(deployTo::remove);
    boolean adopting = !Objects.equals(status.adoptedGeneration(), stage.getMetadata().getGeneration());
    Set<String> held = new HashSet<>(conflicts.keySet());
    // closed or gone: StackSets skip (or cannot reach) them; no write is planned for their instances
    instances.stream().map(InstanceView::accountId)
        .filter(a -> resolved.suspended().contains(a) || !snapshot.accounts().containsKey(a)).forEach(held::add);
    Set<String> joined = new TreeSet<>();
    Set<String> left = new TreeSet<>();
    if (!adopting && !spec.remediatesDrift()) {
      Set<String> withInstance = instances.stream().map(InstanceView::accountId).collect(Collectors.toSet());
      deployTo.keySet().stream().filter(a -> !withInstance.contains(a) && !heldByConflict.contains(a))
          .forEach(joined::add);
      joined.forEach(deployTo::remove);
      for (InstanceView i : instances) {
        if (!targeted.containsKey(i.accountId()) && !conflicts.containsKey(i.accountId())
            && !resolved.suspended().contains(i.accountId()) && snapshot.accounts().containsKey(i.accountId())) {
          left.add(i.accountId());
          held.add(i.accountId());
        }
      }
    }
    return new Observation(org, snapshot, targeted, conflicts, deployTo, held, joined, left, resolved.suspended(),
        stackSet, instances,
        detectionRunning);
  }
}
