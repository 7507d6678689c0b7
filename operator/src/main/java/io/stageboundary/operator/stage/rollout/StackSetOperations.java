package io.stageboundary.operator.stage.rollout;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BoundaryStackSets.OperationView;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.stage.pass.OperationAction;
import io.stageboundary.operator.stage.pass.OperationPhase;
import io.stageboundary.operator.stage.status.StageMetrics;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The one place that starts and follows a stage's StackSet operations. An operation's id is
 * written to status before the request goes to AWS (a restart between the two finds the id, sees
 * AWS never got it, and sends the same request under the same id); OperationIdAlreadyExists means
 * "already started" and is followed, never an error.
 */
public final class StackSetOperations {
  static final Duration LONGEST_LOOK = Duration.ofSeconds(15);
  /** A drift detection is first looked at this long after it started, or the poll interval if longer. */
  static final Duration FIRST_DETECTION_LOOK = Duration.ofSeconds(15);
  /** A drift detection is looked at least this often. */
  static final Duration LONGEST_DETECTION_LOOK = Duration.ofMinutes(5);
  private static final Logger LOG = Logger.getLogger(StackSetOperations.class);
  /** IAM refused to delete a policy still in use (AWS's DeleteConflict): say what holds it. */
  private static final String DELETE_CONFLICT_HINT = " (the policy is still attached to, or the boundary of, "
      + "roles outside the bootstrap stack, such as roles apps created with the stage's CDK context: remove it "
      + "from them, or set deletionPolicy to Retain)";
  private final Events events;
  private final StageMetrics metrics;
  private final Schedule schedule;

  public StackSetOperations(Events events, StageMetrics metrics, Schedule schedule) {
    this.events = events;
    this.metrics = metrics;
    this.schedule = schedule;
  }

  /** Where the last operation in status stands after one look at AWS. */
  public enum Followed {
    /** No open operation in status. */
    NONE,
    /** It is still running in AWS. */
    RUNNING,
    /** It ended; status records how. */
    FINISHED,
    /** AWS never got it: the next step sends the same request under the same id. */
    NEVER_SENT
  }

  /** Looks at the open operation in status, if any, and records it running or finished. */
  public Followed follow(Stage stage, StageStatusBuilder status, BoundaryStackSets stackSets, StackSetView stackSet) {
    StageStatus.Operation last = status.lastOperation();
    if (last == null || !OperationPhase.of(last.status()).open()) {
      return Followed.NONE;
    }
    Optional<OperationView> op = stackSets.operation(stackSet.name(), last.id());
    if (op.isEmpty()) {
      return Followed.NEVER_SENT;
    }
    if (op.get().running()) {
      OperationPhase phase = "STOPPING".equals(op.get().status()) ? OperationPhase.STOPPING : OperationPhase.RUNNING;
      status.operation(stackSet.name(), stackSet.id(), with(last, phase, null, null));
      return Followed.RUNNING;
    }
    finished(stage, status, stackSets, stackSet, last, op.get());
    return Followed.FINISHED;
  }

  private void finished(Stage stage, StageStatusBuilder status, BoundaryStackSets stackSets,
      StackSetView stackSet, StageStatus.Operation last, OperationView op) {
    String message = null;
    if (!op.succeeded()) {
      List<String> reasons = stackSets.results(stackSet.name(), op.id()).stream()
          .filter(BoundaryStackSets.ResultView::failed)
          .map(r -> r.accountId() + ": " + r.statusReason()).limit(3).toList();
      message = (op.statusReason() == null ? op.status() : op.statusReason())
          + (reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")");
      if (OperationAction.of(last.action()) == OperationAction.DELETE_INSTANCES && message.contains("DeleteConflict")) {
        message += DELETE_CONFLICT_HINT;
      }
    }
    String ended = op.ended() == null ? schedule.stamp()
        : op.ended().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    status.operation(stackSet.name(), stackSet.id(), with(last, OperationPhase.valueOf(op.status()), ended, message));
    OperationAction action = OperationAction.of(last.action());
    metrics.operationFinished(action, op.status(), op.created(), op.ended());
    if (action == OperationAction.DETECT_DRIFT) {
      status.stackSetDriftChecked(ended, stackSet.driftStatus());
      LOG.debugf("stage %s: StackSet drift detection %s found %s", stage.getMetadata().getName(), op.id(),
          stackSet.driftStatus());
      return;
    }
    LOG.infof("stage %s: StackSet operation %s ended %s%s", stage.getMetadata().getName(), op.id(),
        op.status(), message == null ? "" : ": " + message);
    if (op.succeeded()) {
      events.normal(stage, EventReason.OperationSucceeded, "StackSet operation " + op.id() + " succeeded");
    } else {
      events.warning(stage, EventReason.OperationFailed, "StackSet operation " + op.id() + " ended "
          + op.status() + ": " + message);
    }
  }

  /**
   * Starts one operation under {@code opId}: recorded as REQUESTED (and written to the cluster
   * first when the action asks for it), sent, then recorded as RUNNING.
   *
   * @param writeAhead writes the status to the cluster
   * @param send sends the request to AWS with the id
   */
  public void start(Stage stage, StageStatusBuilder status, StackSetView stackSet, OperationAction action, String opId,
      int accounts, List<String> lifting, Consumer<StageStatus> writeAhead, Consumer<String> send) {
    StageStatus.Operation requested = new StageStatus.Operation(opId, action.name(),
        OperationPhase.REQUESTED.name(), schedule.stamp(), null, accounts, null,
        lifting == null || lifting.isEmpty() ? null : List.copyOf(lifting));
    status.operation(stackSet.name(), stackSet.id(), requested);
    if (action.writeAhead()) {
      writeAhead.accept(status.build());
    }
    try {
      send.accept(opId);
    } catch (AwsFailure f) {
      if (f.kind() != AwsFailure.Kind.ALREADY_EXISTS) {
        throw f;
      }
      LOG.infof("stage %s: operation %s already exists in AWS; following it", stage.getMetadata().getName(), opId);
    }
    status.operation(stackSet.name(), stackSet.id(), with(requested, OperationPhase.RUNNING, null, null));
  }

  private static StageStatus.Operation with(StageStatus.Operation op, OperationPhase phase, String endedAt,
      String message) {
    return new StageStatus.Operation(op.id(), op.action(), phase.name(), op.startedAt(), endedAt,
        op.accounts(), message, op.lifting());
  }

  /**
   * Asks StackSets to stop the running operation in status (once: a stopping one is left to end).
   * StackSets cancels the instances it has not reached and ends the operation STOPPED.
   */
  public void stop(Stage stage, StageStatusBuilder status, BoundaryStackSets stackSets, StackSetView stackSet,
      String why) {
    StageStatus.Operation running = status.lastOperation();
    if (OperationPhase.of(running.status()) == OperationPhase.STOPPING) {
      return;
    }
    stackSets.stop(stackSet.name(), running.id());
    status.operation(stackSet.name(), stackSet.id(), with(running, OperationPhase.STOPPING, null, null));
    events.normal(stage, EventReason.OperationStopped, "stopping StackSet operation " + running.id() + " ("
        + running.action() + "): " + why);
    LOG.infof("stage %s: stopping StackSet operation %s: %s", stage.getMetadata().getName(), running.id(), why);
  }

  /** The stage's Progressing condition while a StackSet operation runs. */
  public static void reportRunning(StageStatusBuilder status, String id, Object action, Integer accounts) {
    status.progressing(ConditionReason.OperationRunning, "StackSet operation " + id + " (" + action + ", " + accounts
        + " account(s)) is running");
  }

  /**
   * StackSet drift detection is due an interval after it last ran, or after a rollout that wrote
   * the template to every instance, whichever came later: right after such a rollout each stack
   * was just made from the template and each account checked directly, so a detection would find
   * nothing, yet hold the StackSet's one operation slot for all its rounds (a change would wait
   * for it, or stop it) and cost a stack drift detection in every account.
   */
  public static boolean driftDetectionDue(StageStatusBuilder status, int instances, Duration interval, Instant now) {
    var d = status.drift();
    Instant since = d == null || d.lastStackSetCheck() == null ? null : Instant.parse(d.lastStackSetCheck());
    StageStatus.Operation last = status.lastOperation();
    OperationAction action = last == null ? null : OperationAction.of(last.action());
    if ((action == OperationAction.UPDATE || action == OperationAction.CREATE_INSTANCES)
        && OperationPhase.of(last.status()) == OperationPhase.SUCCEEDED && last.endedAt() != null
        && last.accounts() != null && last.accounts() >= instances) {
      Instant deployed = Instant.parse(last.endedAt());
      since = since == null || deployed.isAfter(since) ? deployed : since;
    }
    return since == null || since.plus(interval).isBefore(now);
  }

  /**
   * How soon to look at a running StackSet operation again: an eighth of its age so far, between
   * the poll interval and {@link #LONGEST_LOOK}. On AWS an operation over many accounts takes
   * minutes (a round of instances a minute or more), so it is looked at a few dozen times rather
   * than once per poll interval; its end is seen at most an eighth of its length late.
   *
   * <p>A drift detection is looked at half its age apart, between {@link #FIRST_DETECTION_LOOK}
   * (or the poll interval) and {@link #LONGEST_DETECTION_LOOK}: nothing waits for it (the direct
   * checks in the accounts are the authority on drift, and a change of the stage stops it at once:
   * a detection stopping for a change is looked at like any other operation), so its end may be
   * seen up to half its length late; each look is a pass that reads the stack set
   * and the guardrail, so a detection a minute long costs five passes, not twenty-five.
   */
  public Duration lookAtRunning(StageStatus.Operation op) {
    return lookAtRunning(op, schedule);
  }

  /** {@link #lookAtRunning(StageStatus.Operation)} by {@code schedule}'s clock and poll interval. */
  static Duration lookAtRunning(StageStatus.Operation op, Schedule schedule) {
    Duration least = schedule.pollInterval();
    if (op == null || op.startedAt() == null) {
      return least;
    }
    Duration age = Duration.between(java.time.Instant.parse(op.startedAt()), schedule.now());
    if (OperationAction.of(op.action()) == OperationAction.DETECT_DRIFT
        && OperationPhase.of(op.status()) != OperationPhase.STOPPING) {
      return between(age.dividedBy(2), max(least, FIRST_DETECTION_LOOK), LONGEST_DETECTION_LOOK);
    }
    return between(age.dividedBy(8), least, LONGEST_LOOK);
  }

  private static Duration between(Duration d, Duration least, Duration most) {
    return d.compareTo(least) < 0 ? least : d.compareTo(most) > 0 ? most : d;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
