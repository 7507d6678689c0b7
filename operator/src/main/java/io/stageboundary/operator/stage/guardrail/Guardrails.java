package io.stageboundary.operator.stage.guardrail;

import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationStatus.PolicyManagement;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.aws.ServiceControlPolicies.Scp;
import io.stageboundary.operator.aws.ServiceControlPolicies;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.GuardrailPolicy;
import io.stageboundary.operator.policy.InvalidBoundaryException;
import io.stageboundary.operator.stage.pass.DriftReason;
import io.stageboundary.operator.stage.pass.Gate;
import io.stageboundary.operator.stage.pass.GuardrailObservation;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.pass.Text;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The stage's service control policy ({@code spec.guardrail}): {@link #observe} reads it and checks
 * every limit and right before anything is written (a problem is Stalled, naming what to fix);
 * {@link #act} creates, updates, attaches and detaches it. The SCP follows the boundary's policy
 * name, the qualifier, the exemptions and the targets; one the operator did not create (no
 * {@value #STAGE_TAG} tag naming the stage) is never touched.
 */
public final class Guardrails {
  static final String STAGE_TAG = "iam.stageboundary.io/stage";
  static final String MANAGED_BY_TAG = "app.kubernetes.io/managed-by";

  private final Events events;

  public Guardrails(Events events) {
    this.events = events;
  }

  public Gate<GuardrailObservation> observe(StageInputs in, Observation seen, StageStatusBuilder status) {
    Stage stage = in.stage();
    StageSpec spec = stage.getSpec();
    StageStatus.Guardrail recorded = status.guardrail();
    ServiceControlPolicies scps = seen.organization().aws().serviceControlPolicies();
    if (!spec.guardrailOrDefault().enabledOrDefault()) {
      if (recorded == null) {
        return Gate.go(GuardrailObservation.off(scps));
      }
      Optional<Scp> actual = ours(scps, recorded.policyId(), recorded.policyName(), in.name());
      return Gate.go(new GuardrailObservation(null, actual, actual.map(p -> scps.targets(p.id())).orElse(Set.of()), Set.of(),
          Map.of(), seen.snapshot(), scps));
    }
    AwsOrganization org = in.organization().orElseThrow();
    GuardrailPolicy desired;
    try {
      desired = GuardrailPolicy.render(in.name(), spec.boundary().policyName(),
          spec.bootstrapOrDefault().qualifierOrDefault(), BoundaryDocument.partitionOf(org.getSpec().region()),
          org.getSpec().memberRoleNameOrDefault(), spec.guardrailOrDefault().exemptPrincipalsOrDefault(),
          spec.targets().excludeAccounts() == null ? List.of() : spec.targets().excludeAccounts(),
          org.getSpec().quotasOrDefault().scpCharacters());
    } catch (InvalidBoundaryException e) {
      return stalled(status, ConditionReason.InvalidGuardrail, "the guardrail cannot be deployed: " + e.getMessage());
    }
    PolicyManagement rights = org.getStatus() == null ? null : org.getStatus().policyManagement();
    if (rights == null) {
      status.progressing(ConditionReason.WaitingForOrganization, "AwsOrganization '" + org.getMetadata().getName()
          + "' has not reported yet whether it can manage service control policies");
      return Gate.stop(Duration.ofSeconds(15));
    }
    if (!Boolean.TRUE.equals(rights.canManage())) {
      return stalled(status, ConditionReason.GuardrailNotPermitted, "spec.guardrail needs the operator to manage service control "
          + "policies, and it cannot: " + rights.message());
    }
    if (!seen.snapshot().serviceControlPoliciesEnabled()) {
      return stalled(status, ConditionReason.ServiceControlPoliciesDisabled, "spec.guardrail needs service control policies, which "
          + "are not enabled on root " + seen.snapshot().rootId() + ": from the management account run aws "
          + "organizations enable-policy-type --root-id " + seen.snapshot().rootId()
          + " --policy-type SERVICE_CONTROL_POLICY, or turn the guardrail off");
    }
    Optional<Scp> named = lookup(scps, recorded == null ? null : recorded.policyId(), desired.name());
    if (named.isPresent() && !in.name().equals(named.get().tags().get(STAGE_TAG))) {
      return stalled(status, ConditionReason.GuardrailNameTaken, "an SCP named " + named.get().name() + " (" + named.get().id()
          + ") exists that this operator did not create (it has no tag " + STAGE_TAG + "=" + in.name()
          + "); it is never touched: rename or delete it, or turn the guardrail off");
    }
    Set<String> attached = named.map(p -> scps.targets(p.id())).orElse(Set.of());
    Set<String> wanted = new TreeSet<>();
    if (spec.targets().organizationalUnits() != null) {
      wanted.addAll(spec.targets().organizationalUnits());
    }
    if (spec.targets().accounts() != null) {
      wanted.addAll(spec.targets().accounts());
    }
    int perTarget = org.getSpec().quotasOrDefault().scpsPerTarget();
    for (String target : wanted) {
      if (!attached.contains(target) && scps.attachedTo(target) >= perTarget) {
        return stalled(status, ConditionReason.GuardrailTargetFull, target + " already has " + perTarget
            + " service control policies attached directly (the organisation's limit: AwsOrganization "
            + "spec.quotas.serviceControlPoliciesPerTarget, AWS's default 10): detach one from it, or target the "
            + "OUs below it instead; nothing was written");
      }
    }
    return Gate.go(new GuardrailObservation(desired, named, attached, wanted, drift(recorded, named, attached, wanted), seen.snapshot(),
        scps));
  }

  /** What changed since the operator last wrote the SCP, by target (or by the SCP's name for its content). */
  private static Map<String, DriftReason> drift(StageStatus.Guardrail recorded, Optional<Scp> actual,
      Set<String> attached, Set<String> wanted) {
    Map<String, DriftReason> drift = new LinkedHashMap<>();
    if (recorded == null || recorded.revision() == null) {
      return drift;
    }
    if (actual.isEmpty()) {
      drift.put(recorded.policyName(), DriftReason.GuardrailDetached);
      return drift;
    }
    if (!GuardrailPolicy.revisionOf(actual.get().content()).equals(recorded.revision())) {
      drift.put(recorded.policyName(), DriftReason.GuardrailModified);
    }
    if (recorded.attachedTo() != null) {
      recorded.attachedTo().stream().filter(t -> wanted.contains(t) && !attached.contains(t))
          .forEach(t -> drift.put(t, DriftReason.GuardrailDetached));
    }
    return drift;
  }

  /** The SCP by the id last recorded, else by its name (one call when the id is known). */
  private static Optional<Scp> lookup(ServiceControlPolicies scps, String id, String name) {
    Optional<Scp> p = id == null ? Optional.empty() : scps.describe(id);
    return p.isPresent() || name == null ? p : scps.find(name);
  }

  /** The stage's SCP, only if it carries our tag. */
  private static Optional<Scp> ours(ServiceControlPolicies scps, String id, String name, String stage) {
    return lookup(scps, id, name).filter(s -> stage.equals(s.tags().get(STAGE_TAG)));
  }

  private static <T> Gate<T> stalled(StageStatusBuilder status, ConditionReason reason, String message) {
    status.stalled(reason, message);
    return Gate.stop(Duration.ofMinutes(1));
  }

  /**
   * Brings the SCP to what the spec asks: creates or updates it, attaches it to new targets and
   * detaches it from targets no longer wanted. Out-of-band changes are repaired only under
   * driftRemediation Reconcile; nothing is written while the stage is suspended. Returns whether it wrote.
   */
  public boolean act(StageInputs in, GuardrailObservation g, StageStatusBuilder status) {
    Stage stage = in.stage();
    StageSpec spec = stage.getSpec();
    ServiceControlPolicies scps = g.scps();
    if (spec.suspended() || (!g.drift().isEmpty() && !spec.remediatesDrift())) {
      return false;
    }
    if (!g.enabled()) {
      return g.actual().isPresent() || status.guardrail() != null ? teardown(stage, scps, g.actual(), g.attached(),
          spec.deletionPolicyOrDefault() == StageSpec.DeletionPolicy.Delete, status) : false;
    }
    GuardrailPolicy want = g.desired();
    List<String> did = new ArrayList<>();
    String id;
    if (g.actual().isEmpty()) {
      id = scps.create(want.name(), "Managed by stage-boundary-operator for Stage " + in.name() + ": keeps the "
          + "boundary " + spec.boundary().policyName() + " on the stage's accounts", want.content(),
          Map.of(STAGE_TAG, in.name(), MANAGED_BY_TAG, "stage-boundary-operator"));
      events.normal(stage, EventReason.GuardrailCreated, "created the service control policy " + want.name()
          + " (" + id + ")");
      did.add("created");
    } else {
      id = g.actual().get().id();
      if (!g.contentCurrent()) {
        scps.update(id, want.content());
        boolean repair = g.drift().containsValue(DriftReason.GuardrailModified);
        events.normal(stage, repair ? EventReason.DriftRepaired : EventReason.GuardrailUpdated,
            (repair ? "restored" : "updated") + " the service control policy " + want.name());
        did.add("updated");
      }
    }
    List<String> attach = g.wanted().stream().filter(t -> !g.attached().contains(t)).toList();
    for (String target : attach) {
      scps.attach(id, target);
    }
    if (!attach.isEmpty()) {
      events.normal(stage, EventReason.GuardrailAttached, "attached the service control policy " + want.name()
          + " to " + Text.abbreviate(attach, 10));
    }
    List<String> detach = g.attached().stream().filter(t -> !g.wanted().contains(t)).toList();
    for (String target : detach) {
      scps.detach(id, target);
    }
    if (!detach.isEmpty()) {
      events.normal(stage, EventReason.GuardrailDetached, "detached the service control policy " + want.name()
          + " from " + Text.abbreviate(detach, 10) + " (no longer targeted)");
    }
    status.guardrail(new StageStatus.Guardrail(want.name(), id, want.revision(), List.copyOf(g.wanted()),
        want.content().length()));
    return !did.isEmpty() || !attach.isEmpty() || !detach.isEmpty();
  }

  /** Guardrail turned off: detached everywhere; deleted only under deletionPolicy Delete. */
  private boolean teardown(Stage stage, ServiceControlPolicies scps, Optional<Scp> actual, Set<String> attached,
      boolean delete, StageStatusBuilder status) {
    boolean wrote = false;
    if (actual.isPresent()) {
      wrote = remove(stage, scps, actual.get(), attached, delete);
    }
    status.guardrail(null);
    return wrote;
  }

  /** Detaches the SCP from every target, then deletes it if asked. Safe to repeat. */
  boolean remove(Stage stage, ServiceControlPolicies scps, Scp scp, Set<String> attached, boolean delete) {
    for (String target : attached) {
      scps.detach(scp.id(), target);
    }
    if (!attached.isEmpty()) {
      events.normal(stage, EventReason.GuardrailDetached, "detached the service control policy " + scp.name()
          + " from " + Text.abbreviate(List.copyOf(attached), 10));
    }
    if (delete) {
      scps.delete(scp.id());
      events.normal(stage, EventReason.GuardrailDeleted, "deleted the service control policy " + scp.name());
    }
    return !attached.isEmpty() || delete;
  }

  /** Deleting the Stage: the SCP goes first (deletionPolicy Delete), found by id or name and our tag. */
  public void removeForDeletion(StageInputs in, ServiceControlPolicies scps, StageStatusBuilder status) {
    StageStatus.Guardrail recorded = status.guardrail();
    Optional<Scp> scp = ours(scps, recorded == null ? null : recorded.policyId(),
        recorded == null ? GuardrailPolicy.nameFor(in.name()) : recorded.policyName(), in.name());
    if (scp.isPresent()) {
      remove(in.stage(), scps, scp.get(), scps.targets(scp.get().id()), true);
    }
    status.guardrail(null);
  }
}
