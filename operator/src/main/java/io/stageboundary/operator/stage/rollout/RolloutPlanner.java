package io.stageboundary.operator.stage.rollout;

import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.aws.BoundaryStackSets.Target;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.BoundaryTemplate;
import io.stageboundary.operator.stage.pass.OperationAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides the one next StackSet step for a stage from what AWS holds and what the stage wants.
 * Pure. One step at a time because AWS runs one operation per stack set; the order puts
 * coverage first: create the stack set, roll out a new revision, add missing accounts, remove
 * accounts that left, deploy the accounts an earlier failure cancelled, and last retry the accounts
 * that failed themselves (on their own, so they never hold the others back).
 */
public final class RolloutPlanner {
  /** At most this many OUs per CreateStackInstances call (an AWS limit). */
  public static final int MAX_OUS_PER_CALL = 50;

  private RolloutPlanner() {}

  public sealed interface Step {}

  /** A step that is one StackSet operation. */
  public sealed interface OperationStep extends Step {
    OperationAction action();

    /** The accounts it addresses; empty for a template update, which reaches every instance. */
    List<Target> targets();

    /** What identifies the work in its operation id: a step name, then the parts. */
    List<String> idParts(BoundaryDocument doc);
  }

  public record CreateStackSet() implements Step {}

  public record UpdateTemplate(String fromRevision, String toRevision) implements OperationStep {
    @Override
    public OperationAction action() {
      return OperationAction.UPDATE;
    }

    @Override
    public List<Target> targets() {
      return List.of();
    }

    @Override
    public List<String> idParts(BoundaryDocument doc) {
      return List.of("update", fromRevision, toRevision);
    }
  }

  public record CreateInstances(List<Target> targets) implements OperationStep {
    @Override
    public OperationAction action() {
      return OperationAction.CREATE_INSTANCES;
    }

    @Override
    public List<String> idParts(BoundaryDocument doc) {
      return List.of("create", accountsOf(targets));
    }
  }

  public record DeleteInstances(List<Target> targets) implements OperationStep {
    @Override
    public OperationAction action() {
      return OperationAction.DELETE_INSTANCES;
    }

    @Override
    public List<String> idParts(BoundaryDocument doc) {
      return List.of("delete", accountsOf(targets));
    }
  }

  /** Accounts whose instance was not deployed (cancelled behind another account's failure, or stopped): at once. */
  public record RetryInstances(List<Target> targets) implements OperationStep {
    @Override
    public OperationAction action() {
      return OperationAction.RETRY;
    }

    @Override
    public List<String> idParts(BoundaryDocument doc) {
      return List.of("retry", doc.revision(), accountsOf(targets));
    }
  }

  /**
   * Accounts whose instance was tried and failed, on their own: after every other account is
   * deployed, and after the backoff of the last attempt at the same set ({@link OperationIds#next}).
   * A failing account so never holds the others back; it waits for a fix outside the stage.
   */
  public record RetryFailedInstances(List<Target> targets) implements OperationStep {
    @Override
    public OperationAction action() {
      return OperationAction.RETRY;
    }

    @Override
    public List<String> idParts(BoundaryDocument doc) {
      return List.of("retryfailed", doc.revision(), accountsOf(targets));
    }
  }

  /**
   * Accounts whose instance is to override exactly these statements' lift parameters to true (and
   * no other): a BoundaryException granted, ended or changed there. Empty {@code lifted}: the whole
   * boundary again.
   */
  public record OverrideParameters(List<Target> targets, java.util.SortedSet<String> lifted, java.time.Instant plannedAt)
      implements OperationStep {
    @Override
    public OperationAction action() {
      return OperationAction.OVERRIDE;
    }

    /**
     * The same lift can be granted, ended and granted again: the time it was planned keeps each id
     * new. Sending an override twice (after a restart) changes nothing, so no id needs to survive one.
     */
    @Override
    public List<String> idParts(BoundaryDocument doc) {
      return List.of("override", doc.revision(), accountsOf(targets), OperationIds.fingerprint(List.copyOf(lifted)),
          String.valueOf(plannedAt.toEpochMilli()));
    }

    /** The parameter overrides that lift these statements. */
    public Map<String, String> overrides() {
      Map<String, String> out = new TreeMap<>();
      lifted.forEach(sid -> out.put(BoundaryTemplate.liftParameter(sid), "true"));
      return out;
    }
  }

  public record Converged() implements Step {}

  /** Nothing to deploy, and StackSet drift detection is due. */
  public record DetectDrift() implements Step {}

  /**
   * @param desired account to the OU it is deployed through (conflicted accounts excluded)
   * @param held accounts nobody may write to now (conflicts): not created, not deleted
   * @param parentOf current parent OU of every account in the organisation (for deletes)
   */
  public static Step next(BoundaryDocument doc, Optional<StackSetView> stackSet,
      List<InstanceView> instances, SortedMap<String, String> desired, Set<String> held,
      Map<String, String> parentOf) {
    if (stackSet.isEmpty()) {
      // nothing to deploy yet (every account held by a conflict, or none targeted): no StackSet,
      // so a stage that can do nothing writes nothing
      return desired.isEmpty() ? new Converged() : new CreateStackSet();
    }
    String deployed = BoundaryTemplate.revisionOf(stackSet.get().templateBody()).orElse("none");
    if (!deployed.equals(doc.revision())) {
      return new UpdateTemplate(deployed, doc.revision());
    }
    Map<String, InstanceView> byAccount = new TreeMap<>();
    instances.forEach(i -> byAccount.put(i.accountId(), i));

    List<Target> missing = new ArrayList<>();
    desired.forEach((account, ou) -> {
      if (!byAccount.containsKey(account)) {
        missing.add(new Target(account, ou));
      }
    });
    if (!missing.isEmpty()) {
      return new CreateInstances(firstOus(missing));
    }

    List<Target> unwanted = new ArrayList<>();
    byAccount.forEach((account, instance) -> {
      if (!desired.containsKey(account) && !held.contains(account)) {
        String ou = instance.organizationalUnitId() != null ? instance.organizationalUnitId()
            : parentOf.get(account);
        unwanted.add(new Target(account, ou));
        // An account that moved since it was deployed is addressed through its new parent too.
        String now = parentOf.get(account);
        if (now != null && !now.equals(ou)) {
          unwanted.add(new Target(account, now));
        }
      }
    });
    if (!unwanted.isEmpty()) {
      return new DeleteInstances(firstOus(unwanted));
    }

    List<Target> notDeployed = new ArrayList<>();
    List<Target> failed = new ArrayList<>();
    desired.forEach((account, ou) -> {
      InstanceView i = byAccount.get(account);
      if (i != null && !i.current() && !i.inFlight()) {
        (i.failed() ? failed : notDeployed).add(new Target(account, ou));
      }
    });
    if (!notDeployed.isEmpty()) {
      return new RetryInstances(firstOus(notDeployed));
    }
    if (!failed.isEmpty()) {
      return new RetryFailedInstances(firstOus(failed));
    }
    return new Converged();
  }

  /** The fingerprint of the accounts a step addresses, for its operation id. */
  public static String accountsOf(List<Target> targets) {
    return OperationIds.fingerprint(targets.stream().map(Target::accountId).distinct().toList());
  }

  /** The targets within the first {@link #MAX_OUS_PER_CALL} OUs; the rest wait for a later step. */
  public static List<Target> firstOus(List<Target> targets) {
    TreeSet<String> ous = new TreeSet<>();
    targets.forEach(t -> ous.add(t.organizationalUnitId()));
    Set<String> chosen = new TreeSet<>(ous.stream().limit(MAX_OUS_PER_CALL).toList());
    return targets.stream().filter(t -> chosen.contains(t.organizationalUnitId()))
        .sorted(java.util.Comparator.comparing(Target::accountId)
            .thenComparing(Target::organizationalUnitId)).toList();
  }
}
