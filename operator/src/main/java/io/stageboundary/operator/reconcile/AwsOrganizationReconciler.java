package io.stageboundary.operator.reconcile;

import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationSpec.CallAs;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationStatus;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Checks that an organisation is reachable as configured: the credentials work, the identity
 * matches callAs (management account for SELF, a registered StackSets delegated administrator for
 * DELEGATED_ADMIN), and reports the organisation's id and size. Stages wait for it to be Ready.
 * Deleting it is held back while any Stage still refers to it.
 */
public final class AwsOrganizationReconciler implements Reconciler<AwsOrganization>, Cleaner<AwsOrganization> {
  private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(AwsOrganizationReconciler.class);
  private final OrganizationContexts organizations;
  private final OperatorSettings settings;
  private final EventRecorder events;

  public AwsOrganizationReconciler(OrganizationContexts organizations, OperatorSettings settings,
      EventRecorder events) {
    this.organizations = organizations;
    this.settings = settings;
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
        .build(), context));
  }

  @Override
  public UpdateControl<AwsOrganization> reconcile(AwsOrganization org, Context<AwsOrganization> ctx) {
    Conditions conditions = new Conditions(org.getStatus() == null ? null : org.getStatus().conditions(),
        org.getMetadata().getGeneration(), settings.clock());
    AwsOrganizationStatus previous = org.getStatus();
    String orgId = previous == null ? null : previous.organizationId();
    String mgmt = previous == null ? null : previous.managementAccountId();
    String caller = previous == null ? null : previous.callerAccountId();
    Integer accounts = previous == null ? null : previous.accounts();
    Integer ous = previous == null ? null : previous.organizationalUnits();
    Duration next;
    try {
      OrganizationContext context = organizations.get(org);
      caller = context.aws().sts().getCallerIdentity().account();
      OrganizationSnapshot snapshot = context.snapshot();
      orgId = snapshot.organizationId();
      mgmt = snapshot.managementAccountId();
      accounts = snapshot.memberAccounts();
      ous = snapshot.organizationalUnits().size() - 1;
      String problem = callAsProblem(org, context, caller, mgmt);
      if (problem != null) {
        stalled(conditions, "CallAsMismatch", problem);
        next = settings.resyncInterval();
      } else {
        String as = org.getSpec().callAsOrDefault() == CallAs.SELF ? "as the management account"
            : "as delegated administrator " + caller;
        ready(conditions, "organization " + orgId + " with " + accounts + " member account(s) in "
            + ous + " OU(s), reached " + as);
        next = context.refreshInterval();
      }
    } catch (OrganizationContexts.CredentialsUnavailable e) {
      stalled(conditions, "CredentialsUnavailable", e.getMessage());
      next = settings.resyncInterval();
    } catch (SdkException e) {
      next = failure(org, conditions, AwsFailure.of("STS GetCallerIdentity", e));
    } catch (AwsFailure f) {
      next = failure(org, conditions, f);
    }
    LOG.debugf("organization %s: %s; next look in %s", org.getMetadata().getName(), conditions.build(), next);
    AwsOrganizationStatus status = new AwsOrganizationStatus(org.getMetadata().getGeneration(),
        conditions.build(), orgId, mgmt, caller, accounts, ous);
    if (previous == null || !Objects.equals(previous.observedGeneration(), status.observedGeneration())
        || !Conditions.same(previous.conditions(), status.conditions())
        || !Objects.equals(previous.organizationId(), status.organizationId())
        || !Objects.equals(previous.managementAccountId(), status.managementAccountId())
        || !Objects.equals(previous.callerAccountId(), status.callerAccountId())
        || !Objects.equals(previous.accounts(), status.accounts())
        || !Objects.equals(previous.organizationalUnits(), status.organizationalUnits())) {
      AwsOrganization fresh = new AwsOrganization();
      fresh.getMetadata().setName(org.getMetadata().getName());
      fresh.setStatus(status);
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(org, fresh, ctx);
    }
    return UpdateControl.<AwsOrganization>noUpdate().rescheduleAfter(next);
  }

  private String callAsProblem(AwsOrganization org, OrganizationContext context, String caller,
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
    try {
      context.aws().cloudFormation().listStackSets(r -> r.callAs(
          software.amazon.awssdk.services.cloudformation.model.CallAs.DELEGATED_ADMIN).maxResults(1));
      return null;
    } catch (SdkException e) {
      AwsFailure f = AwsFailure.of("CloudFormation ListStackSets", e);
      if (f.kind() == AwsFailure.Kind.INVALID) {
        return "account " + caller + " is not registered as a StackSets delegated administrator "
            + "(member.org.stacksets.cloudformation.amazonaws.com): register it from the management "
            + "account, or set callAs to SELF and use management account credentials";
      }
      throw f;
    }
  }

  private Duration failure(AwsOrganization org, Conditions conditions, AwsFailure f) {
    LOG.infof("organization %s: %s (%s)", org.getMetadata().getName(), f.getMessage(), f.kind());
    if (f.kind().transientFailure()) {
      conditions.set(Conditions.STALLED, false, "Progressing", "no problem found")
          .set(Conditions.RECONCILING, true, "AwsUnavailable", f.getMessage())
          .set(Conditions.READY, false, "AwsUnavailable", f.getMessage());
      return settings.retryDelay();
    }
    events.warning(org, "AwsError", f.getMessage());
    stalled(conditions, f.kind() == AwsFailure.Kind.ACCESS_DENIED ? "AwsAccessDenied" : "AwsError",
        f.getMessage());
    return Duration.ofMinutes(5);
  }

  private static void ready(Conditions c, String message) {
    c.set(Conditions.READY, true, "Ready", message)
        .set(Conditions.RECONCILING, false, "Checked", "credentials and organisation checked")
        .set(Conditions.STALLED, false, "NoProblem", "no problem found");
  }

  private static void stalled(Conditions c, String reason, String message) {
    c.set(Conditions.READY, false, reason, message)
        .set(Conditions.RECONCILING, false, reason, "waiting for the configuration to be fixed")
        .set(Conditions.STALLED, true, reason, message);
  }

  @Override
  public DeleteControl cleanup(AwsOrganization org, Context<AwsOrganization> ctx) {
    Set<String> users = ctx.getSecondaryResources(Stage.class).stream()
        .map(s -> s.getMetadata().getName()).collect(Collectors.toCollection(java.util.TreeSet::new));
    if (!users.isEmpty()) {
      Conditions conditions = new Conditions(org.getStatus() == null ? null : org.getStatus().conditions(),
          org.getMetadata().getGeneration(), settings.clock());
      String message = "deletion waits: Stage(s) " + String.join(", ", users)
          + " still use this organisation; delete them first (AWS is not touched)";
      stalled(conditions, "InUse", message);
      AwsOrganizationStatus s = org.getStatus();
      AwsOrganization fresh = new AwsOrganization();
      fresh.getMetadata().setName(org.getMetadata().getName());
      fresh.setStatus(new AwsOrganizationStatus(org.getMetadata().getGeneration(), conditions.build(),
          s == null ? null : s.organizationId(), s == null ? null : s.managementAccountId(),
          s == null ? null : s.callerAccountId(), s == null ? null : s.accounts(),
          s == null ? null : s.organizationalUnits()));
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(org, fresh, ctx);
      events.warning(org, "DeletionBlocked", message);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofMinutes(1).toMillis());
    }
    organizations.forget(org.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }
}
