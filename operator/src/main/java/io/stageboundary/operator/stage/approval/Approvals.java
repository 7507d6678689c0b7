package io.stageboundary.operator.stage.approval;

import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.AccessChanges;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.BoundaryTemplate;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.operator.policy.IamCatalogue;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.bootstrap.StackWrite;
import io.stageboundary.operator.stage.pass.Gate;
import io.stageboundary.operator.stage.pass.GuardrailObservation;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.Preflight;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Plan, then apply ({@code spec.rollout.approval}). The desired state — the rendered boundary, the
 * targets, the bootstrap profile and the guardrail — is hashed; when it differs from the one last
 * approved, a Manual stage gets a plan of exactly what would be written, reading AWS but writing
 * nothing, and waits until the plan's id is put in the {@value ApiGroup#APPROVE_ANNOTATION}
 * annotation. An approved desired state is then followed to the end, drift repair included, with
 * no new approval; a spec that changed again makes a new plan, and the old approval does not apply
 * to it. Automatic stages record every desired state as approved, so switching to Manual starts
 * from what is deployed.
 */
public final class Approvals {
  static final String AUTOMATIC = "Automatic";
  /** How often a waiting plan is computed again (a few reads each time, no writes). */
  static final java.time.Duration WAITING_RECHECK = java.time.Duration.ofSeconds(15);
  /** How old a waiting plan's blockers may be before they are read again. */
  static final java.time.Duration BLOCKERS_REREAD = java.time.Duration.ofMinutes(2);
  private final BootstrapRunner bootstrap;
  private final Events events;
  private final Schedule schedule;

  public Approvals(BootstrapRunner bootstrap, Events events, Schedule schedule) {
    this.bootstrap = bootstrap;
    this.events = events;
    this.schedule = schedule;
  }

  /** Goes on when the desired state is approved (or the stage is Automatic); else holds with a plan. */
  public Gate<Void> check(StageInputs in, BoundaryDocument doc, Observation seen, GuardrailObservation scp, StageStatusBuilder status) {
    StageSpec spec = in.stage().getSpec();
    String desired = desired(spec, doc, scp);
    StageStatus.Approved approved = status.approved();
    if (approved != null && desired.equals(approved.desired())) {
      status.plan(null);
      return Gate.go(null);
    }
    if (spec.rolloutOrDefault().approvalOrDefault() == StageSpec.Rollout.Approval.Automatic || spec.suspended()) {
      if (!spec.suspended()) {
        status.approved(new StageStatus.Approved(AUTOMATIC, desired, schedule.stamp(), keptExceptions(approved))).plan(null);
      }
      return Gate.go(null);
    }
    StageStatus.Plan plan = plan(in, doc, seen, scp, desired, status.plan());
    if (plan.id() == null) {
      // nothing would be written: the new desired state is already what AWS holds
      status.approved(new StageStatus.Approved(AUTOMATIC, desired, schedule.stamp(), keptExceptions(approved))).plan(null);
      return Gate.go(null);
    }
    String approval = approvalOf(in);
    if (plan.id().equals(approval)) {
      status.approved(new StageStatus.Approved(plan.id(), desired, schedule.stamp(), keptExceptions(approved))).plan(null);
      events.normal(in.stage(), EventReason.PlanApproved, "plan " + plan.id() + " approved: " + summary(plan));
      return Gate.go(null);
    }
    if (status.plan() == null || !plan.id().equals(status.plan().id())) {
      events.normal(in.stage(), EventReason.PlanReady, "plan " + plan.id() + " waits for approval: " + summary(plan));
    }
    status.plan(plan);
    status.progressing(ConditionReason.AwaitingApproval, "spec.rollout.approval is Manual: plan " + plan.id() + " (" + summary(plan)
        + ") waits; nothing is written until kubectl annotate stage " + in.name() + " --overwrite "
        + ApiGroup.APPROVE_ANNOTATION + "=" + plan.id()
        + (approval == null ? "" : " (the annotation names " + approval + ", not this plan)"));
    // the annotation wakes the Stage at once; looking again soon also covers a missed watch event
    return Gate.stop(WAITING_RECHECK.compareTo(schedule.resyncInterval()) < 0 ? WAITING_RECHECK : schedule.resyncInterval());
  }

  /** The plan id the stage's approve annotation names, if any. */
  static String approvalOf(StageInputs in) {
    return in.stage().getMetadata().getAnnotations() == null ? null
        : in.stage().getMetadata().getAnnotations().get(ApiGroup.APPROVE_ANNOTATION);
  }

  private static List<String> keptExceptions(StageStatus.Approved approved) {
    return approved == null ? null : approved.exceptions();
  }

  /** Hash of what the operator would make AWS hold: boundary, targets, bootstrap profile, guardrail. */
  static String desired(StageSpec spec, BoundaryDocument doc, GuardrailObservation scp) {
    return CanonicalPolicy.hash(doc.revision() + "|" + spec.targets() + "|" + spec.bootstrapOrDefault()
        + "|" + (scp.enabled() ? scp.desired().revision() + scp.wanted() : "no guardrail")
        + (spec.boundary().adoptsExisting() ? "|adopt existing policies" : ""));
  }

  private StageStatus.Plan plan(StageInputs in, BoundaryDocument doc, Observation seen, GuardrailObservation scp,
      String desired, StageStatus.Plan last) {
    String deployedTemplate = seen.stackSet().map(s -> s.templateBody()).orElse(null);
    SortedMap<String, String> before = BoundaryTemplate.statementsOf(deployedTemplate);
    SortedMap<String, String> after = doc.statements();
    List<String> added = after.keySet().stream().filter(k -> !before.containsKey(k)).toList();
    List<String> removed = before.keySet().stream().filter(k -> !after.containsKey(k)).toList();
    List<String> changed = after.keySet().stream().filter(k -> before.containsKey(k) && !before.get(k).equals(after.get(k)))
        .toList();
    List<String> diff = new ArrayList<>();
    added.forEach(k -> diff.add("+ " + after.get(k)));
    removed.forEach(k -> diff.add("- " + before.get(k)));
    changed.forEach(k -> diff.add("~ " + after.get(k)));
    Set<String> deployed = seen.instances().stream().map(InstanceView::accountId).collect(Collectors.toCollection(TreeSet::new));
    List<String> toAdd = seen.deployTo().keySet().stream().filter(a -> !deployed.contains(a)).toList();
    List<String> toRelease = deployed.stream().filter(a -> !seen.targeted().containsKey(a)).toList();
    Stacks stacks = bootstrapStacks(in, doc, seen, last, desired, toAdd, toRelease);
    List<String> guardrail = guardrail(scp);
    String revisionFrom = BoundaryTemplate.revisionOf(deployedTemplate).orElse(null);
    boolean boundaryChanges = !Objects.equals(revisionFrom, doc.revision());
    if (!boundaryChanges && toAdd.isEmpty() && toRelease.isEmpty() && stacks.isEmpty() && guardrail.isEmpty()) {
      return new StageStatus.Plan(null, desired, revisionFrom, doc.revision(), List.of(), List.of(), List.of(), List.of(), List.of(),
          List.of(), List.of(), Map.of(), null, List.of(), schedule.stamp(), null, null, null);
    }
    String id = "plan-" + CanonicalPolicy.hash(desired + "|" + revisionFrom + "|" + diff + "|" + toAdd + "|" + toRelease
        + "|" + stacks.update() + (stacks.create().isEmpty() ? "" : "|create " + stacks.create()) + "|" + guardrail);
    String at = last != null && id.equals(last.id()) ? last.computedAt() : schedule.stamp();
    // the diff is in the id, so a plan that waits on with the same id has the same access changes
    List<String> access = last != null && id.equals(last.id()) && last.accessChanges() != null ? last.accessChanges()
        : boundaryChanges ? accessChanges(deployedTemplate == null ? null : before, after) : List.of();
    return new StageStatus.Plan(id, desired, revisionFrom, doc.revision(), added, removed, changed, diff, access, toAdd,
        toRelease, stacks.update(), stacks.create().isEmpty() ? null : stacks.create(), guardrail, at,
        stacks.blockers().isEmpty() ? null : stacks.blockers(), stacks.checkedAt(), null);
  }

  /**
   * What the boundary change does to access, one line per service and direction, from the catalogue
   * ({@link AccessChanges}); {@code before} null: nothing deployed yet, so against no boundary at all.
   */
  static List<String> accessChanges(SortedMap<String, String> before, SortedMap<String, String> after) {
    return AccessChanges.lines(AccessChanges.between(document(before), document(after), IamCatalogue.pinned()));
  }

  /** A policy document of these statements (canonical JSON by sid); null: no boundary, everything allowed. */
  private static com.fasterxml.jackson.databind.JsonNode document(SortedMap<String, String> statements) {
    var doc = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    var list = doc.putArray("Statement");
    if (statements == null) {
      list.addObject().put("Effect", "Allow").put("Action", "*").put("Resource", "*");
      return doc;
    }
    statements.values().forEach(json -> list.add(CanonicalPolicy.parse(json)));
    return doc;
  }

  /**
   * The bootstrap stacks a rollout would update and create, by region: the accounts; and what the
   * reads found in the way.
   */
  private record Stacks(Map<String, List<String>> update, Map<String, List<String>> create,
      List<StageStatus.Blocker> blockers, String checkedAt) {
    boolean isEmpty() {
      return update.isEmpty() && create.isEmpty();
    }
  }

  /**
   * The stacks a rollout would write and what stands in the way, read once per desired state (and
   * again if the accounts change, or the blockers were read more than {@link #BLOCKERS_REREAD} ago,
   * so one fixed shows as fixed).
   */
  private Stacks bootstrapStacks(StageInputs in, BoundaryDocument doc, Observation seen,
      StageStatus.Plan last, String desired, List<String> toAdd, List<String> toRelease) {
    StageSpec spec = in.stage().getSpec();
    List<String> accounts = seen.deployTo().keySet().stream().toList();
    boolean fresh = last != null && last.checkedAt() != null
        && java.time.Instant.parse(last.checkedAt()).plus(BLOCKERS_REREAD).isAfter(schedule.now());
    if (fresh && desired.equals(last.desired()) && last.bootstrapStacks() != null
        && sameAccounts(last, accounts, toAdd, toRelease)) {
      return new Stacks(last.bootstrapStacks(), last.bootstrapStacksToCreate() == null ? Map.of()
          : last.bootstrapStacksToCreate(), last.blockers() == null ? List.of() : last.blockers(), last.checkedAt());
    }
    Map<String, List<String>> update = new TreeMap<>();
    Map<String, List<String>> create = new TreeMap<>();
    List<Preflight> found = new ArrayList<>(Preflights.policyNames(doc, toAdd, seen.organization().aws(),
        in.regions().get(0), bootstrap, spec.boundary().adoptsExisting()));
    if (spec.bootstrapOrDefault().enabledOrDefault()) {
      bootstrap.preview(BootstrapRunner.want(spec, doc), accounts,
          BootstrapRunner.Reach.of(in.regions(), seen.organization().aws())).forEach((p, preview) -> {
            preview.write().ifPresent(write -> (write == StackWrite.CREATE ? create : update)
                .computeIfAbsent(p.region(), r -> new ArrayList<>()).add(p.account()));
            preview.blocker().ifPresent(found::add);
          });
    }
    return new Stacks(update, create, Preflights.collapse(found), schedule.stamp());
  }

  /**
   * The plan was made for the same accounts: none joined or left since (they would change what is
   * added or released), and every account it lists is still one to deploy to.
   */
  private static boolean sameAccounts(StageStatus.Plan last, List<String> accounts, List<String> toAdd,
      List<String> toRelease) {
    return toAdd.equals(last.accountsToAdd()) && toRelease.equals(last.accountsToRelease())
        && last.bootstrapStacks().values().stream().allMatch(accounts::containsAll)
        && (last.bootstrapStacksToCreate() == null
            || last.bootstrapStacksToCreate().values().stream().allMatch(accounts::containsAll));
  }

  private static List<String> guardrail(GuardrailObservation g) {
    List<String> out = new ArrayList<>();
    if (!g.enabled()) {
      if (g.actual().isPresent() && !g.attached().isEmpty()) {
        out.add("detach " + g.actual().get().name() + " from " + String.join(", ", g.attached()));
      }
      return out;
    }
    if (g.actual().isEmpty()) {
      out.add("create the service control policy " + g.desired().name() + " (" + g.desired().content().length()
          + " characters)");
    } else if (!g.contentCurrent()) {
      out.add("update the document of " + g.desired().name());
    }
    List<String> attach = g.wanted().stream().filter(t -> !g.attached().contains(t)).toList();
    if (!attach.isEmpty()) {
      out.add("attach " + g.desired().name() + " to " + String.join(", ", attach));
    }
    List<String> detach = g.attached().stream().filter(t -> !g.wanted().contains(t)).toList();
    if (!detach.isEmpty()) {
      out.add("detach " + g.desired().name() + " from " + String.join(", ", detach));
    }
    return out;
  }

  static String summary(StageStatus.Plan p) {
    List<String> parts = new ArrayList<>();
    if (!Objects.equals(p.revisionFrom(), p.revisionTo())) {
      parts.add("boundary " + (p.revisionFrom() == null ? "new" : p.revisionFrom()) + " -> " + p.revisionTo() + " (+"
          + p.statementsAdded().size() + " -" + p.statementsRemoved().size() + " ~" + p.statementsChanged().size()
          + " statements)");
    }
    if (!p.accountsToAdd().isEmpty()) {
      parts.add(p.accountsToAdd().size() + " account(s) to add");
    }
    if (!p.accountsToRelease().isEmpty()) {
      parts.add(p.accountsToRelease().size() + " to release");
    }
    int stacks = p.bootstrapStacks().values().stream().mapToInt(List::size).sum();
    if (stacks > 0) {
      parts.add(stacks + " bootstrap stack(s) to update");
    }
    int creates = p.bootstrapStacksToCreate() == null ? 0
        : p.bootstrapStacksToCreate().values().stream().mapToInt(List::size).sum();
    if (creates > 0) {
      parts.add(creates + " bootstrap stack(s) to create");
    }
    if (!p.guardrail().isEmpty()) {
      parts.add("guardrail: " + String.join("; ", p.guardrail()));
    }
    long toAdopt = p.blockers() == null ? 0 : p.blockers().stream()
        .filter(b -> b.reason().equals(Preflight.Reason.PolicyToAdopt.name())).count();
    if (toAdopt > 0) {
      parts.add(toAdopt + " existing polic(ies) to take over");
    }
    List<StageStatus.Blocker> blocking = p.blockers() == null ? List.of() : p.blockers().stream()
        .filter(b -> !b.reason().equals(Preflight.Reason.PolicyToAdopt.name())).toList();
    if (!blocking.isEmpty()) {
      Map<String, Long> byReason = blocking.stream().collect(Collectors.groupingBy(StageStatus.Blocker::reason,
          TreeMap::new, Collectors.mapping(StageStatus.Blocker::account, Collectors.collectingAndThen(
              Collectors.toSet(), set -> (long) set.size()))));
      parts.add("will block: " + byReason.entrySet().stream().map(e -> e.getKey() + " in " + e.getValue()
          + " account(s)").collect(Collectors.joining(", ")) + " (status.plan.blockers)");
    }
    return String.join(", ", parts);
  }
}
