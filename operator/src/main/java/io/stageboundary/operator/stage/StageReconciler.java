package io.stageboundary.operator.stage;

import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryException;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRules;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.Fresh;
import io.stageboundary.operator.kube.LeanItemStore;
import io.stageboundary.operator.kube.StatusPatch;
import io.stageboundary.operator.organization.Readiness;
import io.stageboundary.operator.stage.claims.Claiming;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The Stage controller as the Java Operator SDK sees it: gathers a pass's inputs from the
 * informer caches, hands them to {@link StageController}, writes the status it built (only when
 * it changed), and reschedules. Never waits on AWS: a running operation is a reschedule.
 */
public final class StageReconciler implements Reconciler<Stage>, Cleaner<Stage> {
  private static final Logger LOG = Logger.getLogger(StageReconciler.class);
  static final String ORG_INDEX = "organization";
  static final String RULES_INDEX = "rules";
  /** BoundaryExceptions by the stage they name. */
  static final String STAGE_INDEX = "stage";

  private final SimpleInboundEventSource<Stage> wake = new SimpleInboundEventSource<>("claims");
  private final StageController controller;
  private final StageController.Parts parts;
  private volatile InformerEventSource<BoundaryException, Stage> exceptionCache;

  public StageReconciler(StageController.Parts parts) {
    this.parts = parts;
    this.controller = new StageController(parts, new Claiming(parts.claims(),
        stages -> stages.forEach(s -> wake.propagateEvent(new ResourceID(s)))));
  }

  @Override
  public List<EventSource<?, Stage>> prepareEventSources(EventSourceContext<Stage> context) {
    context.getPrimaryCache().addIndexer(ORG_INDEX, s -> organizationOf(s).map(List::of).orElse(List.of()));
    var orgs = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(AwsOrganization.class, Stage.class)
        .withSecondaryToPrimaryMapper(org -> context.getPrimaryCache()
            .byIndex(ORG_INDEX, org.getMetadata().getName()).stream()
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withPrimaryToSecondaryMapper((Stage s) -> organizationOf(s).map(n -> Set.of(new ResourceID(n))).orElse(Set.of()))
        .withItemStore(new LeanItemStore<>()).build(), context);
    var stageAccounts = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(StageAccount.class, Stage.class)
        .withLabelSelector(ApiGroup.MANAGED_BY_LABEL + "=" + ApiGroup.MANAGED_BY)
        .withSecondaryToPrimaryMapper(a -> a.getMetadata().getLabels() == null ? Set.of()
            : Set.of(new ResourceID(a.getMetadata().getLabels().get(ApiGroup.STAGE_LABEL))))
        // Our own writes must not wake the Stage again; a StageAccount deleted by hand should.
        .withOnAddFilter(a -> false)
        .withOnUpdateFilter((a, b) -> false)
        .withItemStore(new LeanItemStore<>()).build(), context);
    context.getPrimaryCache().addIndexer(RULES_INDEX, s -> List.copyOf(s.includedRules()));
    var rules = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(BoundaryRules.class, Stage.class)
        .withSecondaryToPrimaryMapper(r -> context.getPrimaryCache().byIndex(RULES_INDEX, r.getMetadata().getName())
            .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withPrimaryToSecondaryMapper((Stage s) -> s.includedRules().stream().map(ResourceID::new)
            .collect(Collectors.toSet()))
        .withItemStore(new LeanItemStore<>()).build(), context);
    var exceptions = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(BoundaryException.class, Stage.class)
        .withSecondaryToPrimaryMapper(e -> e.getSpec() == null || e.getSpec().stage() == null ? Set.of()
            : Set.of(new ResourceID(e.getSpec().stage())))
        // our own status writes must not wake the Stage again; a new or changed spec, or a deletion, does
        .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getGeneration(),
            before.getMetadata().getGeneration()))
        .build(), context);
    exceptions.addIndexers(Map.of(STAGE_INDEX, e -> e.getSpec() == null || e.getSpec().stage() == null ? List.of()
        : List.of(e.getSpec().stage())));
    this.exceptionCache = exceptions;
    return List.of(orgs, stageAccounts, rules, wake, exceptions);
  }

  /**
   * Which updates of a Stage start a pass: a new generation (the spec changed), a changed approval
   * annotation (an annotation does not change the generation), deletion, and our finalizer just
   * added. The controller is registered with generation-aware processing off and this filter, so
   * the one Stage informer decides; a second informer for the annotation raced the first (a pass
   * woken by it could still read the Stage without the annotation and wait a recheck).
   */
  public static final OnUpdateFilter<Stage> WAKES_ON_UPDATE = (now, before) ->
      !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
          || !Objects.equals(approval(now), approval(before))
          || now.isMarkedForDeletion()
          || !Objects.equals(now.getMetadata().getFinalizers(), before.getMetadata().getFinalizers());

  private static String approval(Stage s) {
    return s.getMetadata().getAnnotations() == null ? null
        : s.getMetadata().getAnnotations().get(ApiGroup.APPROVE_ANNOTATION);
  }

  private static Optional<String> organizationOf(Stage s) {
    return s.getSpec() == null || s.getSpec().organizationRef() == null ? Optional.empty()
        : Optional.of(s.getSpec().organizationRef().name());
  }

  @Override
  public UpdateControl<Stage> reconcile(Stage stage, Context<Stage> ctx) {
    StageStatusBuilder status = new StageStatusBuilder(stage, parts.schedule().clock());
    var timing = parts.metrics().startReconcile();
    String outcome = "success";
    Duration next;
    try {
      next = controller.reconcile(inputs(stage, ctx), status);
      controller.succeeded(stage.getMetadata().getName());
      LOG.debugf("stage %s: %s; next look in %s", stage.getMetadata().getName(), status.build().conditions(), next);
    } catch (AwsFailure f) {
      next = controller.onAwsFailure(stage, status, f);
      outcome = "aws_" + f.kind().name().toLowerCase(Locale.ROOT);
    }
    StatusPatch.patchIfChanged(stage, status.build(), ctx, Stage::new);
    writeExceptions(stage.getMetadata().getName(), status, ctx);
    parts.metrics().conditions(stage, status.build().conditions());
    parts.metrics().reconciled(timing, "stage", outcome);
    return UpdateControl.<Stage>noUpdate().rescheduleAfter(next);
  }

  /** Each BoundaryException's status as the pass judged it, written only when it changed. */
  private void writeExceptions(String stage, StageStatusBuilder status, Context<Stage> ctx) {
    if (status.exceptions().isEmpty()) {
      return;
    }
    Map<String, BoundaryException> byName = new TreeMap<>();
    exceptionsOf(stage).forEach(e -> byName.put(e.getMetadata().getName(), e));
    status.exceptions().forEach((name, next) -> {
      BoundaryException e = byName.get(name);
      if (e != null) {
        io.stageboundary.operator.kube.ExceptionStatuses.write(ctx, e, next);
      }
    });
  }

  /** The BoundaryExceptions that name this Stage. */
  private List<BoundaryException> exceptionsOf(String stage) {
    InformerEventSource<BoundaryException, Stage> cache = exceptionCache;
    if (cache == null) {
      return List.of();
    }
    return cache.byIndex(STAGE_INDEX, stage);
  }

  @Override
  public DeleteControl cleanup(Stage stage, Context<Stage> ctx) {
    StageStatusBuilder status = new StageStatusBuilder(stage, parts.schedule().clock());
    Optional<Duration> wait;
    try {
      wait = controller.cleanup(inputs(stage, ctx), status);
    } catch (AwsFailure f) {
      wait = Optional.of(controller.onAwsFailure(stage, status, f));
    }
    if (wait.isEmpty()) {
      return DeleteControl.defaultDelete();
    }
    StatusPatch.patchIfChanged(stage, status.build(), ctx, Stage::new);
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(wait.get().toMillis());
  }

  private StageInputs inputs(Stage stage, Context<Stage> ctx) {
    Optional<AwsOrganization> org = ctx.getSecondaryResource(AwsOrganization.class);
    if (org.isEmpty() || !Readiness.ready(org.get())) {
      // Right after a start the cache may not link the organisation to this Stage yet: ask the API
      // server before reporting it missing or not Ready, so a restart does not flap the Stage.
      org = Fresh.get(ctx, AwsOrganization.class, stage.getSpec().organizationRef().name());
    }
    Map<String, Long> peers = new TreeMap<>();
    ctx.getPrimaryCache().byIndex(ORG_INDEX, stage.getSpec().organizationRef().name()).stream()
        .filter(s -> s.getMetadata().getDeletionTimestamp() == null)
        .forEach(s -> peers.put(s.getMetadata().getName(), s.getMetadata().getGeneration()));
    Map<String, BoundaryRules> rules = new TreeMap<>();
    ctx.getSecondaryResources(BoundaryRules.class).forEach(r -> rules.put(r.getMetadata().getName(), r));
    return new StageInputs(stage, org, ctx.getSecondaryResources(StageAccount.class), peers,
        written -> StatusPatch.patchIfChanged(stage, written, ctx, Stage::new), rules,
        exceptionsOf(stage.getMetadata().getName()));
  }

  @Override
  public ErrorStatusUpdateControl<Stage> updateErrorStatus(Stage stage, Context<Stage> ctx, Exception e) {
    if (causedByShutdown(e)) {
      // the operator is stopping (a rolling update, a lost lease): the status stays as it was for
      // the next leader, instead of flapping every Stage to InternalError on the way out
      LOG.debugf("stage %s: reconcile cut short by shutdown", stage.getMetadata().getName());
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    LOG.warnf(e, "stage %s: reconcile failed", stage.getMetadata().getName());
    StageStatusBuilder status = new StageStatusBuilder(stage, parts.schedule().clock());
    status.progressing(ConditionReason.InternalError, e.getClass().getSimpleName() + ": "
        + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + " (retrying)");
    return ErrorStatusUpdateControl.patchStatus(StatusPatch.fresh(stage, status.build(), Stage::new));
  }

  /** The SDK's or the HTTP client's executors were shut down under a running reconcile. */
  static boolean causedByShutdown(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RejectedExecutionException || String.valueOf(t.getMessage()).contains("Connection pool shut down")) {
        return true;
      }
    }
    return false;
  }
}
