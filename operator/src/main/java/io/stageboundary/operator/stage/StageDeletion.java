package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.aws.BoundaryStackSets.Target;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.organization.CredentialsUnavailable;
import io.stageboundary.operator.organization.OrganizationContext;
import io.stageboundary.operator.organization.Organizations;
import io.stageboundary.operator.stage.bootstrap.BootstrapClearing;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.guardrail.Guardrails;
import io.stageboundary.operator.stage.pass.Gate;
import io.stageboundary.operator.stage.pass.OperationAction;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.pass.Text;
import io.stageboundary.operator.stage.rollout.InstanceListings;
import io.stageboundary.operator.stage.rollout.OperationIds;
import io.stageboundary.operator.stage.rollout.RolloutPlanner;
import io.stageboundary.operator.stage.rollout.StackSetOperations;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Deleting a Stage with {@code deletionPolicy: Delete}, in the order IAM needs: (0) the guardrail
 * SCP detached and deleted (it would deny deleting the boundary policy), (1) the boundary
 * out of every bootstrap stack that carries it (IAM refuses to delete a policy that is still a
 * role's boundary), (2) the stack instances (the policies), (3) the StackSet. One step per pass;
 * every step is safe to repeat. {@code Retain} never gets here.
 */
final class StageDeletion {
  private final Organizations organizations;
  private final StackSetOperations operations;
  private final InstanceListings listings;
  private final BootstrapRunner bootstrap;
  private final Guardrails guardrails;
  private final Events events;
  private final Schedule schedule;

  StageDeletion(Organizations organizations, StackSetOperations operations, InstanceListings listings,
      BootstrapRunner bootstrap, Guardrails guardrails, Events events, Schedule schedule) {
    this.listings = listings;
    this.guardrails = guardrails;
    this.organizations = organizations;
    this.operations = operations;
    this.bootstrap = bootstrap;
    this.events = events;
    this.schedule = schedule;
  }

  /** Empty when everything is gone; otherwise how long until the next look. */
  Optional<Duration> step(StageInputs in, StageStatusBuilder status) {
    Stage stage = in.stage();
    Gate<OrganizationContext> org = organization(in, status);
    if (org.stopped()) {
      return Optional.of(org.stop());
    }
    if (stage.getSpec().guardrail() != null || status.guardrail() != null) {
      guardrails.removeForDeletion(in, org.value().aws().serviceControlPolicies(), status);  // 0. the guardrail SCP
    }
    BoundaryStackSets stackSets = org.value().stackSets();
    Optional<StackSetView> stackSet = stackSets.describe(StageController.stackSetName(in.name()));
    if (stackSet.isEmpty()) {
      return Optional.empty();
    }
    if (operations.follow(stage, status, stackSets, stackSet.get()) == StackSetOperations.Followed.RUNNING) {
      status.progressing(ConditionReason.Deleting, "waiting for StackSet operation " + status.lastOperation().id());
      return Optional.of(schedule.pollInterval());
    }
    List<InstanceView> instances = stackSets.instances(stackSet.get().name());
    Optional<Duration> clearing = clearBootstrap(in, org.value(), instances, status);
    if (clearing.isPresent()) {
      return clearing;
    }
    if (instances.isEmpty()) {
      stackSets.delete(stackSet.get().name());
      listings.forget(stackSet.get().id());
      events.normal(stage, EventReason.StackSetDeleted, "deleted StackSet " + stackSet.get().name());
      return Optional.empty();
    }
    return Optional.of(deleteInstances(in, org.value(), stackSet.get(), instances, status));
  }

  private Gate<OrganizationContext> organization(StageInputs in, StageStatusBuilder status) {
    Stage stage = in.stage();
    if (stage.getSpec().suspended()) {
      status.stalled(ConditionReason.DeletionSuspended, "deletionPolicy is Delete but spec.suspend is true: set "
          + "suspend to false to let the deletion proceed, or deletionPolicy to Retain to keep AWS as it is");
      return Gate.stop(schedule.resyncInterval());
    }
    if (in.organization().isEmpty()) {
      status.stalled(ConditionReason.OrganizationNotFound, "cannot delete from AWS: AwsOrganization '"
          + stage.getSpec().organizationRef().name() + "' does not exist; recreate it, or set "
          + "deletionPolicy to Retain to let the Stage go and keep AWS as it is");
      return Gate.stop(schedule.resyncInterval());
    }
    try {
      return Gate.go(organizations.get(in.organization().get()));
    } catch (CredentialsUnavailable e) {
      status.stalled(ConditionReason.CredentialsUnavailable, e.getMessage());
      return Gate.stop(schedule.resyncInterval());
    }
  }

  /** Step 1; empty once no bootstrap stack carries the boundary any more. */
  private Optional<Duration> clearBootstrap(StageInputs in, OrganizationContext org, List<InstanceView> instances,
      StageStatusBuilder status) {
    StageSpec spec = in.stage().getSpec();
    BootstrapClearing.Outcome cleared = bootstrap.clear(spec.bootstrapOrDefault().stackNameOrDefault(),
        spec.boundary().policyName(), instances.stream().map(InstanceView::accountId).distinct().toList(),
        BootstrapRunner.Reach.of(in.regions(), org.aws()));
    if (!cleared.written().isEmpty()) {
      events.normal(in.stage(), EventReason.BootstrapCleared, "deletionPolicy is Delete: cleared the boundary "
          + "from the CDK bootstrap stack in " + cleared.written().size() + " account/region pair(s): "
          + Text.abbreviate(cleared.written(), 10));
    }
    if (cleared.done()) {
      return Optional.empty();
    }
    if (!cleared.failures().isEmpty()) {
      events.warning(in.stage(), EventReason.BootstrapClearFailed, Text.abbreviate(cleared.failures(), 3));
      status.stalled(ConditionReason.DeletionBlocked, "cannot clear the boundary from every bootstrap stack: "
          + Text.abbreviate(cleared.failures(), 3) + "; fix it, or set deletionPolicy to Retain");
      return Optional.of(schedule.backoff(1));
    }
    status.progressing(ConditionReason.Deleting, "deletionPolicy is Delete: clearing the boundary from CDK "
        + "bootstrap stacks before removing the policy");
    return Optional.of(schedule.pollInterval());
  }

  /** Step 2: every instance, through the OU it was deployed through. */
  private Duration deleteInstances(StageInputs in, OrganizationContext org, StackSetView stackSet,
      List<InstanceView> instances, StageStatusBuilder status) {
    Stage stage = in.stage();
    Map<String, String> parents = new java.util.HashMap<>();
    org.snapshot().accounts().values().forEach(a -> parents.put(a.id(), a.parentId()));
    List<Target> targets = RolloutPlanner.firstOus(instances.stream().map(i -> new Target(i.accountId(),
        i.organizationalUnitId() != null ? i.organizationalUnitId() : parents.get(i.accountId()))).toList());
    String base = OperationIds.base(stage.getMetadata().getUid(), "teardown", RolloutPlanner.accountsOf(targets));
    StageStatus.Operation last = status.lastOperation();
    OperationIds.Attempt attempt = OperationIds.next(base, last, schedule);
    if (attempt.notBefore().filter(due -> due.isAfter(schedule.now())).isPresent()) {
      status.stalled(ConditionReason.DeletionFailed, "removing the boundary failed: " + last.message()
          + "; trying again after " + attempt.notBefore().get());
      return schedule.until(attempt.notBefore().get());
    }
    status.progressing(ConditionReason.Deleting, "deletionPolicy is Delete: removing the boundary from "
        + targets.size() + " account(s)");
    operations.start(stage, status, stackSet, OperationAction.DELETE_INSTANCES, attempt.id(), targets.size(),
        null, in.writeAhead(), opId -> org.stackSets().deleteInstances(stackSet.name(), targets, org.region(), false,
            StageController.preferences(stage.getSpec()), opId));
    events.normal(stage, EventReason.DeletingInstances, "deletionPolicy is Delete: StackSet operation "
        + attempt.id() + " removes the boundary from " + targets.size() + " account(s)");
    return schedule.pollInterval();
  }
}
