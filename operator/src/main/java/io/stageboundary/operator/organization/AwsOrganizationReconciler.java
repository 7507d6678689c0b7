package io.stageboundary.operator.organization;

import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationSpec.CallAs;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationStatus.PolicyManagement.Via;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationStatus.PolicyManagement;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationStatus;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.Conditions;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.LeanItemStore;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.kube.StatusPatch;
import io.stageboundary.operator.policy.DelegationPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Checks that an organisation is reachable as configured: the credentials work, the identity
 * matches callAs (management account for SELF, a registered StackSets delegated administrator for
 * DELEGATED_ADMIN), and reports the organisation's id and size. Stages wait for it to be Ready.
 * Deleting it is held back while any Stage still refers to it.
 */
public final class AwsOrganizationReconciler implements Reconciler<AwsOrganization>, Cleaner<AwsOrganization> {

  private static final Logger LOG = Logger.getLogger(AwsOrganizationReconciler.class);
  private static final String WAITING = "waiting for the configuration to be fixed";
  private final Organizations organizations;
  private final Schedule schedule;
  private final Events events;

  public AwsOrganizationReconciler(Organizations organizations, Schedule schedule, Events events) {
    this.organizations = organizations;
    this.schedule = schedule;
    this.events = events;
  }

  @Override
  public List<EventSource<?, AwsOrganization>> prepareEventSources(EventSourceContext<AwsOrganization> context) {
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration
        .from(Stage.class, AwsOrganization.class)
        .withSecondaryToPrimaryMapper(s -> s.getSpec() == null || s.getSpec().organizationRef() == null
            ? Set.of() : Set.of(new ResourceID(s.getSpec().organizationRef().name())))
        // Only deletions matter here: they may release a held AwsOrganization deletion.
        .withOnAddFilter(s -> false)
        .withOnUpdateFilter((a, b) -> false)
        .withItemStore(new LeanItemStore<>()).build(), context));
  }

  /** What one check learned: the organisation's facts, kept from the last status when unknown. */
  private record Facts(String organizationId, String managementAccountId, String callerAccountId,
      Integer accounts, Integer organizationalUnits, PolicyManagement policyManagement) {
    static Facts of(AwsOrganizationStatus s) {
      return s == null ? new Facts(null, null, null, null, null, null) : new Facts(s.organizationId(),
          s.managementAccountId(), s.callerAccountId(), s.accounts(), s.organizationalUnits(), s.policyManagement());
    }

    AwsOrganizationStatus status(long generation, Conditions conditions) {
      return new AwsOrganizationStatus(generation, conditions.build(), organizationId, managementAccountId,
          callerAccountId, accounts, organizationalUnits, policyManagement);
    }
  }

  @Override
  public UpdateControl<AwsOrganization> reconcile(AwsOrganization org, Context<AwsOrganization> ctx) {
    Conditions conditions = conditionsOf(org);
    Facts facts = Facts.of(org.getStatus());
    Duration next;
    try {
      OrganizationContext context = organizations.get(org);
      String caller = context.aws().callerAccountId();
      OrganizationSnapshot snapshot = context.snapshot();
      facts = new Facts(snapshot.organizationId(), snapshot.managementAccountId(), caller,
          snapshot.memberAccounts(), snapshot.organizationalUnits().size() - 1,
          policyManagement(context, caller, snapshot, facts.policyManagement()));
      String problem = callAsProblem(org, context, caller, snapshot.managementAccountId());
      if (problem != null) {
        conditions.stalled(ConditionReason.CallAsMismatch, problem, WAITING);
        next = schedule.resyncInterval();
      } else {
        String as = org.getSpec().callAsOrDefault() == CallAs.SELF ? "as the management account"
            : "as delegated administrator " + caller;
        conditions.settled(ConditionReason.Checked, "credentials and organisation checked").set(Conditions.READY, true,
            ConditionReason.Ready, "organization " + facts.organizationId() + " with " + facts.accounts()
            + " member account(s) in " + facts.organizationalUnits() + " OU(s), reached " + as);
        next = context.refreshInterval();
      }
    } catch (CredentialsUnavailable e) {
      conditions.stalled(ConditionReason.CredentialsUnavailable, e.getMessage(), WAITING);
      next = schedule.resyncInterval();
    } catch (AwsFailure f) {
      next = failure(org, conditions, f);
    }
    LOG.debugf("organization %s: %s; next look in %s", org.getMetadata().getName(), conditions.build(), next);
    StatusPatch.patchIfChanged(org, facts.status(org.getMetadata().getGeneration(), conditions), ctx,
        AwsOrganization::new);
    return UpdateControl.<AwsOrganization>noUpdate().rescheduleAfter(next);
  }

  /**
   * Whether the operator may keep service control policies (a Stage's guardrail): the management
   * account may; another account only as a delegated administrator for Organizations policies,
   * which the organisation's resource-based delegation policy grants action by action.
   */
  static PolicyManagement policyManagement(OrganizationContext context, String caller, OrganizationSnapshot snapshot,
      PolicyManagement last) {
    boolean enabled = snapshot.serviceControlPoliciesEnabled();
    String notEnabled = enabled ? "" : "; service control policies are not enabled on root " + snapshot.rootId()
        + ": from the management account run aws organizations enable-policy-type --root-id " + snapshot.rootId()
        + " --policy-type SERVICE_CONTROL_POLICY";
    if (caller.equals(snapshot.managementAccountId())) {
      return new PolicyManagement(enabled, true, Via.ManagementAccount, enabled ? null : notEnabled.substring(2));
    }
    String grant = " (docs/iam/delegation-policy.json, with " + caller + " as the principal: aws organizations "
        + "put-resource-policy --content file://delegation-policy.json in the management account " + snapshot.managementAccountId() + ")";
    Optional<String> policy;
    try {
      policy = context.aws().serviceControlPolicies().delegationPolicy();
    } catch (AwsFailure f) {
      if (f.kind().transientFailure() && last != null) {
        return last;
      }
      return new PolicyManagement(enabled, false, Via.None, "the organisation's delegation policy could not be read ("
          + f.getMessage() + "): grant organizations:DescribeResourcePolicy to the operator's role" + notEnabled);
    }
    if (policy.isEmpty()) {
      return new PolicyManagement(enabled, false, Via.None, "account " + caller + " is neither the management account "
          + "nor a delegated administrator for Organizations policies: the organisation has no delegation policy; "
          + "attach one that grants " + caller + " the SCP actions" + grant + notEnabled);
    }
    List<String> missing = DelegationPolicy.missing(policy.get(), caller);
    if (!missing.isEmpty()) {
      return new PolicyManagement(enabled, false, Via.None, "the organisation's delegation policy does not grant "
          + caller + " " + String.join(", ", missing) + " for SERVICE_CONTROL_POLICY" + grant + notEnabled);
    }
    return new PolicyManagement(enabled, true, Via.DelegatedAdministrator, enabled ? null : notEnabled.substring(2));
  }

  private static String callAsProblem(AwsOrganization org, OrganizationContext context, String caller,
      String mgmt) {
    if (org.getSpec().callAsOrDefault() == CallAs.SELF) {
      return caller.equals(mgmt) ? null : "spec.callAs is SELF but the credentials act in account "
          + caller + ", not the management account " + mgmt
          + ": set callAs to DELEGATED_ADMIN if " + caller + " is the StackSets delegated administrator";
    }
    if (caller.equals(mgmt)) {
      return "spec.callAs is DELEGATED_ADMIN but the credentials act in the management account "
          + mgmt + ": set callAs to SELF, or use a role in the delegated administrator account";
    }
    if (!context.stackSets().acceptsDelegatedAdmin()) {
      return "account " + caller + " is not registered as a StackSets delegated administrator "
          + "(member.org.stacksets.cloudformation.amazonaws.com): register it from the management "
          + "account, or set callAs to SELF and use management account credentials";
    }
    return null;
  }

  private Duration failure(AwsOrganization org, Conditions conditions, AwsFailure f) {
    LOG.infof("organization %s: %s (%s)", org.getMetadata().getName(), f.getMessage(), f.kind());
    if (f.kind().transientFailure()) {
      conditions.progressing(ConditionReason.AwsUnavailable, f.getMessage());
      return schedule.retryDelay();
    }
    events.warning(org, EventReason.AwsError, f.getMessage());
    conditions.stalled(f.kind() == AwsFailure.Kind.ACCESS_DENIED ? ConditionReason.AwsAccessDenied : ConditionReason.AwsError,
        f.getMessage(), WAITING);
    return Duration.ofMinutes(5);
  }

  private Conditions conditionsOf(AwsOrganization org) {
    return new Conditions(org.getStatus() == null ? null : org.getStatus().conditions(),
        org.getMetadata().getGeneration(), schedule.clock());
  }

  @Override
  public DeleteControl cleanup(AwsOrganization org, Context<AwsOrganization> ctx) {
    Set<String> users = ctx.getSecondaryResources(Stage.class).stream()
        .map(s -> s.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
    if (!users.isEmpty()) {
      String message = "deletion waits: Stage(s) " + String.join(", ", users)
          + " still use this organisation; delete them first (AWS is not touched)";
      Conditions conditions = conditionsOf(org).stalled(ConditionReason.InUse, message, WAITING);
      StatusPatch.patchIfChanged(org, Facts.of(org.getStatus()).status(org.getMetadata().getGeneration(),
          conditions), ctx, AwsOrganization::new);
      events.warning(org, EventReason.DeletionBlocked, message);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofMinutes(1).toMillis());
    }
    organizations.forget(org.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }
}
