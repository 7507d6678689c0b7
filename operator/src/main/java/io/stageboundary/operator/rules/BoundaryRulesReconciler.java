package io.stageboundary.operator.rules;

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
import io.stageboundary.operator.api.v1alpha1.Condition;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRules;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesStatus.StageRevision;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesStatus;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.Conditions;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.LeanItemStore;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.kube.StatusPatch;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.operator.policy.CatalogueCheck;
import io.stageboundary.operator.policy.IamCatalogue;
import io.stageboundary.operator.policy.InvalidBoundaryException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Shared boundary rules: validates the statements (as a Stage's would be), names their revision,
 * and promotes it stage by stage ({@link Promotion}), from what the including Stages report. The
 * Stages render with the revision the status allows them. Deleting rules that a Stage includes
 * waits until no Stage does.
 */
public final class BoundaryRulesReconciler implements Reconciler<BoundaryRules>, Cleaner<BoundaryRules> {
  private final Schedule schedule;
  private final Events events;

  public BoundaryRulesReconciler(Schedule schedule, Events events) {
    this.schedule = schedule;
    this.events = events;
  }

  @Override
  public List<EventSource<?, BoundaryRules>> prepareEventSources(EventSourceContext<BoundaryRules> context) {
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(Stage.class, BoundaryRules.class)
        .withSecondaryToPrimaryMapper(s -> s.includedRules().stream().map(ResourceID::new).collect(Collectors.toSet()))
        .withItemStore(new LeanItemStore<>()).build(), context));
  }

  @Override
  public UpdateControl<BoundaryRules> reconcile(BoundaryRules rules, Context<BoundaryRules> ctx) {
    BoundaryRulesStatus last = rules.getStatus();
    Conditions conditions = new Conditions(last == null ? null : last.conditions(), rules.getMetadata().getGeneration(),
        schedule.clock());
    String name = rules.getMetadata().getName();
    try {
      StageSpec.Boundary probe = new StageSpec.Boundary("shared-rules-" + name, rules.getSpec().statements(), null);
      BoundaryDocument.render(name, probe, "aws");
      CatalogueCheck.check(probe, IamCatalogue.pinned());
    } catch (InvalidBoundaryException e) {
      conditions.stalled(ConditionReason.InvalidRules, "these rules cannot be included: " + e.getMessage()
          + "; every including stage keeps the revision it holds", "waiting for the statements to be fixed");
      StatusPatch.patchIfChanged(rules, status(rules, conditions, last, last == null ? null : last.revision(),
          last == null ? null : last.revisions(), last == null ? null : last.stages()), ctx, BoundaryRules::new);
      return UpdateControl.<BoundaryRules>noUpdate().rescheduleAfter(schedule.resyncInterval());
    }
    String latest = revisionOf(rules.getSpec().statements());
    Map<String, Promotion.Health> including = new TreeMap<>();
    for (Stage s : ctx.getSecondaryResources(Stage.class)) {
      if (s.getMetadata().getDeletionTimestamp() == null && s.includedRules().contains(name)) {
        including.put(s.getMetadata().getName(), health(s, name));
      }
    }
    Instant now = schedule.now();
    Promotion.Result r = Promotion.next(rules.getSpec(), latest, rules.getSpec().statements(),
        last == null ? null : last.revisions(), last == null ? null : last.stages(), including, now);
    for (String stage : r.promoted()) {
      events.normal(rules, EventReason.RulesPromoted, "revision " + r.stages().stream()
          .filter(s -> s.stage().equals(stage)).findFirst().map(StageRevision::revision).orElse("?")
          + " promoted to stage " + stage);
    }
    List<String> behind = r.stages().stream().filter(s -> !latest.equals(s.revision()))
        .map(s -> s.stage() + " (waits for " + s.waitingFor() + ")").toList();
    // A soak is the expected state for hours, not work in progress: Ready, with where each stage stands
    conditions.settled(behind.isEmpty() ? ConditionReason.Promoted : ConditionReason.Soaking, behind.isEmpty() ? "nothing to promote"
        : "revision " + latest + " is being promoted").set(Conditions.READY, true, behind.isEmpty() ? ConditionReason.Ready : ConditionReason.Soaking,
        including.isEmpty() ? "valid; no Stage includes these rules yet" : behind.isEmpty()
            ? "every including stage holds revision " + latest : "revision " + latest + ": " + String.join("; ", behind));
    StatusPatch.patchIfChanged(rules, status(rules, conditions, last, latest, r.revisions(), r.stages()), ctx,
        BoundaryRules::new);
    Duration next = r.nextLook().map(t -> Duration.between(now, t).plusMillis(100)).filter(d -> !d.isNegative())
        .filter(d -> d.compareTo(schedule.resyncInterval()) < 0).orElse(schedule.resyncInterval());
    return UpdateControl.<BoundaryRules>noUpdate().rescheduleAfter(next);
  }

  static String revisionOf(List<StageSpec.Statement> statements) {
    return CanonicalPolicy.hash(String.valueOf(statements));
  }

  /** Healthy: Ready, InSync and Enforced (or nothing to probe) for its current generation. */
  static Promotion.Health health(Stage s, String rules) {
    StageStatus st = s.getStatus();
    if (st == null || st.conditions() == null || !Objects.equals(st.observedGeneration(), s.getMetadata().getGeneration())) {
      return new Promotion.Health(false, null);
    }
    Map<String, Condition> c = st.conditions().stream().collect(Collectors.toMap(Condition::getType, x -> x, (a, b) -> a));
    boolean enforced = c.containsKey(Conditions.ENFORCED) && ("True".equals(c.get(Conditions.ENFORCED).getStatus())
        || "NoRolesToProbe".equals(c.get(Conditions.ENFORCED).getReason()));
    boolean healthy = is(c, Conditions.READY) && is(c, Conditions.IN_SYNC) && enforced;
    String holds = st.includes() == null ? null : st.includes().stream().filter(i -> rules.equals(i.name()))
        .map(StageStatus.Included::revision).findFirst().orElse(null);
    return new Promotion.Health(healthy, holds);
  }

  private static boolean is(Map<String, Condition> c, String type) {
    return c.containsKey(type) && "True".equals(c.get(type).getStatus());
  }

  private static BoundaryRulesStatus status(BoundaryRules rules, Conditions conditions, BoundaryRulesStatus last,
      String latest, List<BoundaryRulesStatus.Revision> revisions, List<StageRevision> stages) {
    String summary = stages == null || stages.isEmpty() ? null : stages.stream()
        .map(s -> s.stage() + "=" + (s.revision() == null ? "none" : s.revision())).collect(Collectors.joining(" "));
    return new BoundaryRulesStatus(rules.getMetadata().getGeneration(), conditions.build(), latest, summary, revisions,
        stages);
  }

  @Override
  public DeleteControl cleanup(BoundaryRules rules, Context<BoundaryRules> ctx) {
    Set<String> users = ctx.getSecondaryResources(Stage.class).stream()
        .filter(s -> s.includedRules().contains(rules.getMetadata().getName()))
        .map(s -> s.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
    if (users.isEmpty()) {
      return DeleteControl.defaultDelete();
    }
    String message = "deletion waits: Stage(s) " + String.join(", ", users) + " include these rules; remove them from "
        + "spec.boundary.include first";
    Conditions conditions = new Conditions(rules.getStatus() == null ? null : rules.getStatus().conditions(),
        rules.getMetadata().getGeneration(), schedule.clock()).stalled(ConditionReason.InUse, message, "waiting for the Stages");
    BoundaryRulesStatus last = rules.getStatus();
    StatusPatch.patchIfChanged(rules, status(rules, conditions, last, last == null ? null : last.revision(),
        last == null ? null : last.revisions(), last == null ? null : last.stages()), ctx, BoundaryRules::new);
    events.warning(rules, EventReason.DeletionBlocked, message);
    // soon: the Stage cache may lag a deletion that just happened
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(5).toMillis());
  }
}
