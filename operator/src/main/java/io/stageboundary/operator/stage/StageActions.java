package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.aws.BoundaryStackSets.OperationPreferences;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.aws.BoundaryStackSets.Target;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.kube.StageAccountWriter;
import io.stageboundary.operator.organization.OrganizationContext;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.BoundaryTemplate;
import io.stageboundary.operator.stage.bootstrap.BootstrapClearing;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.OperationAction;
import io.stageboundary.operator.stage.pass.OperationPhase;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.pass.Text;
import io.stageboundary.operator.stage.rollout.OperationIds;
import io.stageboundary.operator.stage.rollout.RolloutPlanner;
import io.stageboundary.operator.stage.rollout.StackSetOperations;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Takes the step the planner chose: settle (report what is, write the StageAccounts), start
 * StackSet drift detection, create the StackSet, or start one StackSet operation.
 */
final class StageActions {
  private static final Logger LOG = Logger.getLogger(StageActions.class);
  private final StackSetOperations operations;
  private final BootstrapRunner bootstrap;
  private final StageAccountWriter accounts;
  private final Events events;
  private final Schedule schedule;

  StageActions(StackSetOperations operations, BootstrapRunner bootstrap, StageAccountWriter accounts,
      Events events, Schedule schedule) {
    this.operations = operations;
    this.bootstrap = bootstrap;
    this.accounts = accounts;
    this.events = events;
    this.schedule = schedule;
  }

  Duration act(StageInputs in, RolloutPlanner.Step step, BoundaryDocument doc, Observation seen,
      AccountChecks.Outcome work, StageStatusBuilder status) {
    boolean suspended = in.stage().getSpec().suspended();
    boolean converged = step instanceof RolloutPlanner.Converged;
    StageStatus.Operation last = status.lastOperation();
    if (OperationPhase.rolling(last)) {
      // the accounts whose instance is current were checked and bootstrapped; the rest wait for their round
      accounts.sync(in.stage(), work.view().objects(), in.accounts());
      StackSetOperations.reportRunning(status, last.id(), last.action(), last.accounts());
      // the accounts a round has finished need not wait for the next look at the operation
      Duration look = operations.lookAtRunning(last);
      return forWorkLeft(work).map(d -> min(d, look)).orElse(look);
    }
    if (step instanceof RolloutPlanner.DetectDrift) {
      startDriftDetection(in, seen, status);
    } else if (seen.detectionRunning() && !(suspended || converged)) {
      // the drift detection a resync started holds the StackSet's one operation for all its rounds;
      // a change waiting for it matters more (the direct checks are the authority on drift)
      operations.stop(in.stage(), status, seen.organization().stackSets(), seen.stackSet().orElseThrow(),
          "a change of the stage waits for the StackSet");
      status.progressing(ConditionReason.WaitingForDriftDetection, "StackSet drift detection "
          + status.lastOperation().id() + " is stopping; the next rollout step follows when it has ended");
      return operations.lookAtRunning(status.lastOperation());
    }
    if (suspended || converged || step instanceof RolloutPlanner.DetectDrift) {
      return settle(in, seen, work, step instanceof RolloutPlanner.DetectDrift || seen.detectionRunning(), status);
    }
    if (step instanceof RolloutPlanner.CreateStackSet) {
      return createStackSet(in, doc, seen, status);
    }
    return startOperation(in, (RolloutPlanner.OperationStep) step, doc, seen, work, status);
  }

  /** Nothing to start: write what each account holds and say whether the stage is Ready. */
  private Duration settle(StageInputs in, Observation seen, AccountChecks.Outcome work, boolean detecting,
      StageStatusBuilder status) {
    Stage stage = in.stage();
    boolean suspended = stage.getSpec().suspended();
    accounts.sync(stage, work.view().objects(), in.accounts());
    if (!suspended) {
      status.adopted(stage.getMetadata().getGeneration());
      if (work.moreWork()) {
        status.progressing(ConditionReason.Verifying, "checking and bootstrapping accounts: " + status.bootstrapSummary());
        return forWorkLeft(work).orElseThrow();
      }
    }
    status.settled(suspended);
    Duration next = suspended ? schedule.resyncInterval()
        : min(seen.organization().refreshInterval(), schedule.resyncInterval());
    // an account left alone is looked at again when its member session tries the role again
    Duration blocked = work.blockedRetry().map(t -> Duration.between(schedule.now(), t))
        .map(d -> d.compareTo(schedule.pollInterval()) < 0 ? schedule.pollInterval() : d).orElse(next);
    Duration atRest = min(min(next, blocked), stage.getSpec().driftCheckIntervalOrDefault());
    // a drift detection in the background is looked at by its own ladder, the checks still come when due
    return detecting ? min(atRest, operations.lookAtRunning(status.lastOperation())) : atRest;
  }

  /**
   * When the accounts' work left wants the next pass: at once (the poll interval), or, when all it
   * waits for is stacks in flight, when the first of them is worth a look; empty when none is left.
   */
  private Optional<Duration> forWorkLeft(AccountChecks.Outcome work) {
    if (!work.moreWork()) {
      return Optional.empty();
    }
    return Optional.of(work.waitUntil().map(t -> Duration.between(schedule.now(), t))
        .filter(d -> d.compareTo(schedule.pollInterval()) > 0).orElse(schedule.pollInterval()));
  }

  private void startDriftDetection(StageInputs in, Observation seen, StageStatusBuilder status) {
    Duration interval = in.stage().getSpec().driftCheckIntervalOrDefault();
    long window = schedule.now().getEpochSecond() / Math.max(1, interval.toSeconds());
    String base = OperationIds.base(in.stage().getMetadata().getUid(), "drift", String.valueOf(window));
    OrganizationContext org = seen.organization();
    StackSetView stackSet = seen.stackSet().orElseThrow();
    operations.start(in.stage(), status, stackSet, OperationAction.DETECT_DRIFT,
        OperationIds.next(base, status.lastOperation(), schedule).id(), 0, null, in.writeAhead(),
        opId -> org.stackSets().detectDrift(stackSet.name(), StageController.preferences(in.stage().getSpec()), opId));
  }

  private Duration createStackSet(StageInputs in, BoundaryDocument doc, Observation seen, StageStatusBuilder status) {
    String name = StageController.stackSetName(in.name());
    String id = seen.organization().stackSets().create(name, BoundaryTemplate.render(doc),
        "Permissions boundary of stage " + in.name() + " (stage-boundary-operator)",
        Map.of("stage-boundary-operator/stage", in.name()));
    events.normal(in.stage(), EventReason.StackSetCreated, "created StackSet " + name + " (" + id
        + ") with boundary revision " + doc.revision());
    status.operation(name, id, status.lastOperation());
    status.progressing(ConditionReason.StackSetCreated, "created StackSet " + name);
    return Duration.ofMillis(1);
  }

  private Duration startOperation(StageInputs in, RolloutPlanner.OperationStep step, BoundaryDocument doc,
      Observation seen, AccountChecks.Outcome work, StageStatusBuilder status) {
    Stage stage = in.stage();
    AccountView view = work.view();
    StageSpec spec = stage.getSpec();
    OperationAction action = step.action();
    boolean retainStacks = spec.deletionPolicyOrDefault() != StageSpec.DeletionPolicy.Delete;
    if (action == OperationAction.DELETE_INSTANCES && !retainStacks) {
      // Accounts leaving a Delete-policy stage lose the policy: the boundary comes out of their
      // bootstrap stacks first, as on deletion of the whole stage.
      BootstrapClearing.Outcome cleared = bootstrap.clear(spec.bootstrapOrDefault().stackNameOrDefault(),
          doc.policyName(), step.targets().stream().map(Target::accountId).distinct().toList(),
          BootstrapRunner.Reach.of(in.regions(), seen.organization().aws()));
      if (!cleared.done()) {
        status.progressing(ConditionReason.ClearingBootstrap, "clearing the boundary from the CDK bootstrap stacks of "
            + "accounts that left the stage before removing their policy"
            + (cleared.failures().isEmpty() ? "" : ": " + Text.abbreviate(cleared.failures(), 3)));
        return cleared.failures().isEmpty() ? schedule.pollInterval() : schedule.backoff(1);
      }
    }
    StageStatus.Operation last = status.lastOperation();
    java.util.List<String> parts = step.idParts(doc);
    OperationIds.Attempt attempt = OperationIds.next(OperationIds.base(stage.getMetadata().getUid(), parts.get(0),
        parts.subList(1, parts.size()).toArray(String[]::new)), last, schedule);
    Instant due = attempt.notBefore().orElse(null);
    if (due != null && due.isAfter(schedule.now()) && step instanceof RolloutPlanner.RetryFailedInstances) {
      // all that is left is accounts that failed themselves: the stage is settled with them blocked
      // (not Ready, AccountsBlocked) and looks again when their backoff ends
      return min(settle(in, seen, work, false, status), schedule.until(due));
    }
    if (due != null && due.isAfter(schedule.now())) {
      status.progressing(ConditionReason.RetryBackoff, "the last operation failed (" + last.message()
          + "); trying again after " + due);
      accounts.sync(stage, view.objects(), in.accounts());  // each failed account says why meanwhile
      return schedule.until(due);
    }
    String opId = attempt.id();
    int count = action == OperationAction.UPDATE ? view.states().size()
        : (int) step.targets().stream().map(Target::accountId).distinct().count();
    status.progressing(ConditionReason.OperationRequested, "requesting StackSet operation " + opId);
    StackSetView stackSet = seen.stackSet().orElseThrow();
    BoundaryStackSets stackSets = seen.organization().stackSets();
    String region = seen.organization().region();
    OperationPreferences prefs = StageController.preferences(spec);
    java.util.List<String> lifting = step instanceof RolloutPlanner.OverrideParameters o && !o.lifted().isEmpty()
        ? o.targets().stream().map(Target::accountId).distinct().toList() : null;
    operations.start(stage, status, stackSet, action, opId, count, lifting, in.writeAhead(), id -> {
      switch (action) {
        case UPDATE -> stackSets.updateTemplate(stackSet.name(), BoundaryTemplate.render(doc), prefs, id);
        case CREATE_INSTANCES -> stackSets.createInstances(stackSet.name(), step.targets(), region, prefs, id);
        // Retain (the default): the instance leaves the StackSet, the policy stays in the account.
        case DELETE_INSTANCES -> stackSets.deleteInstances(stackSet.name(), step.targets(), region, retainStacks,
            prefs, id);
        case OVERRIDE -> stackSets.overrideParameters(stackSet.name(), step.targets(), region,
            ((RolloutPlanner.OverrideParameters) step).overrides(), prefs, id);
        default -> stackSets.updateInstances(stackSet.name(), step.targets(), region, prefs, id);
      }
    });
    String what = step instanceof RolloutPlanner.OverrideParameters o ? (o.lifted().isEmpty()
        ? "restoring the whole boundary in " : "lifting " + String.join(", ", o.lifted()) + " (BoundaryException) in ")
        + Text.abbreviate(o.targets().stream().map(Target::accountId).toList(), 10) + " (StackSet operation " + opId + ")"
        : describe(action, opId, count, doc.revision());
    events.normal(stage, EventReason.OperationStarted, what);
    LOG.infof("stage %s: %s", in.name(), what);
    StackSetOperations.reportRunning(status, opId, action, count);
    accounts.sync(stage, view.inProgress(step.targets(), action == OperationAction.UPDATE, opId), in.accounts());
    return schedule.pollInterval();
  }

  private static String describe(OperationAction action, String opId, int count, String revision) {
    return switch (action) {
      case UPDATE -> "rolling boundary revision " + revision + " out to " + count
          + " account(s) (StackSet operation " + opId + ")";
      case CREATE_INSTANCES -> "deploying the boundary to " + count + " account(s) (StackSet operation "
          + opId + ")";
      case DELETE_INSTANCES -> "releasing " + count + " account(s) that left the stage (StackSet operation "
          + opId + "; deletionPolicy decides whether their policy stays)";
      default -> "retrying " + count + " account(s) (StackSet operation " + opId + ")";
    };
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }
}
