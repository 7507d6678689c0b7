package io.stageboundary.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountSpec;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.OperationPreferences;
import io.stageboundary.operator.aws.BoundaryStackSets.OperationView;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.aws.BoundaryStackSets.Target;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.aws.SdkBootstrapStacks;
import io.stageboundary.operator.cdk.BootstrapPlanner;
import io.stageboundary.operator.cdk.BootstrapTemplate;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.InvalidBoundaryException;
import io.stageboundary.operator.aws.SdkBoundaryPolicies;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Reconciles a Stage: validate (no AWS), resolve targets, settle conflicts with other Stages,
 * then take the one next StackSet step, record it, and come back. Never waits on AWS inside a
 * reconcile: a running operation is a reschedule.
 */
public final class StageReconciler implements Reconciler<Stage>, Cleaner<Stage> {
  private static final Logger LOG = Logger.getLogger(StageReconciler.class);
  static final String ORG_INDEX = "organization";
  static final String STACKSET_PREFIX = "stage-boundary-";

  private final OrganizationContexts organizations;
  private final StageClaims claims;
  private final StageAccountSync accounts;
  private final EventRecorder events;
  private final OperatorSettings settings;
  private final BootstrapRunner bootstrapRunner;
  private final BoundaryVerifier verifier;
  private final StageMetrics metrics;
  private final SimpleInboundEventSource<Stage> nudges = new SimpleInboundEventSource<>("claims");
  private final Map<String, Integer> transientFailures = new java.util.concurrent.ConcurrentHashMap<>();

  public StageReconciler(OrganizationContexts organizations, StageClaims claims,
      StageAccountSync accounts, EventRecorder events, OperatorSettings settings,
      BootstrapRunner bootstrapRunner, BoundaryVerifier verifier, StageMetrics metrics) {
    this.bootstrapRunner = bootstrapRunner;
    this.verifier = verifier;
    this.metrics = metrics;
    this.organizations = organizations;
    this.claims = claims;
    this.accounts = accounts;
    this.events = events;
    this.settings = settings;
  }

  public static String stackSetName(String stage) {
    return STACKSET_PREFIX + stage;
  }

  @Override
  public List<EventSource<?, Stage>> prepareEventSources(EventSourceContext<Stage> context) {
    context.getPrimaryCache().addIndexer(ORG_INDEX, s -> s.getSpec() == null
        || s.getSpec().organizationRef() == null ? List.of()
        : List.of(s.getSpec().organizationRef().name()));
    var orgs = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(AwsOrganization.class, Stage.class)
        .withSecondaryToPrimaryMapper(org -> context.getPrimaryCache()
            .byIndex(ORG_INDEX, org.getMetadata().getName()).stream()
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withPrimaryToSecondaryMapper((Stage s) -> s.getSpec() == null
            || s.getSpec().organizationRef() == null ? Set.of()
            : Set.of(new ResourceID(s.getSpec().organizationRef().name())))
        .build(), context);
    var stageAccounts = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(StageAccount.class, Stage.class)
        .withLabelSelector(ApiGroup.MANAGED_BY_LABEL + "=" + ApiGroup.MANAGED_BY)
        .withSecondaryToPrimaryMapper(a -> a.getMetadata().getLabels() == null ? Set.of()
            : Set.of(new ResourceID(a.getMetadata().getLabels().get(ApiGroup.STAGE_LABEL))))
        // Our own writes must not wake the Stage again; a StageAccount deleted by hand should.
        .withOnAddFilter(a -> false)
        .withOnUpdateFilter((a, b) -> false)
        .build(), context);
    return List.of(orgs, stageAccounts, nudges);
  }

  @Override
  public UpdateControl<Stage> reconcile(Stage stage, Context<Stage> ctx) {
    StageStatusBuilder status = new StageStatusBuilder(stage, settings.clock());
    String name = stage.getMetadata().getName();
    var timing = metrics.startReconcile();
    try {
      Duration next = reconcile(stage, ctx, status);
      transientFailures.remove(name);
      LOG.debugf("stage %s: %s; next look in %s", name, status.build().conditions(), next);
      patchStatus(stage, status, ctx);
      metrics.conditions(stage, status.build().conditions());
      metrics.reconciled(timing, "stage", "success");
      return UpdateControl.<Stage>noUpdate().rescheduleAfter(next);
    } catch (AwsFailure f) {
      Duration next = onAwsFailure(stage, status, f);
      patchStatus(stage, status, ctx);
      metrics.conditions(stage, status.build().conditions());
      metrics.reconciled(timing, "stage", "aws_" + f.kind().name().toLowerCase(java.util.Locale.ROOT));
      return UpdateControl.<Stage>noUpdate().rescheduleAfter(next);
    }
  }

  private Duration reconcile(Stage stage, Context<Stage> ctx, StageStatusBuilder status) {
    String name = stage.getMetadata().getName();
    StageSpec spec = stage.getSpec();
    Optional<AwsOrganization> org = ctx.getSecondaryResource(AwsOrganization.class);
    if (org.isEmpty() || !organizationReady(org.get())) {
      // Right after a start the cache may not link the organisation to this Stage yet: ask the API
      // server before reporting it missing or not Ready, so a restart does not flap the Stage.
      org = Optional.ofNullable(ctx.getClient().resources(AwsOrganization.class)
          .withName(spec.organizationRef().name()).get());
    }
    String partition = BoundaryDocument.partitionOf(org.map(o -> o.getSpec().region()).orElse(null));

    // 1. Validate and render, with no AWS call at all.
    BoundaryDocument doc;
    try {
      doc = BoundaryDocument.render(name, spec.boundary(), partition);
    } catch (InvalidBoundaryException e) {
      publishNothing(stage);
      status.stalled("InvalidBoundary", "the boundary cannot be deployed: " + e.getMessage());
      return settings.resyncInterval();
    }
    status.revision(doc.revision()).cdkContext(doc.cdkContext());
    int pinnedVersion = BootstrapTemplate.pinned().version();
    if (spec.bootstrapOrDefault().enabledOrDefault()
        && spec.bootstrapOrDefault().minimumVersionOrDefault() > pinnedVersion) {
      publishNothing(stage);
      status.stalled("InvalidBootstrap", "spec.bootstrap.minimumVersion "
          + spec.bootstrapOrDefault().minimumVersionOrDefault() + " is newer than the bootstrap "
          + "template this operator carries (version " + pinnedVersion + ", aws-cdk "
          + BootstrapTemplate.pinned().awsCdkVersion() + "): lower it, or upgrade the operator");
      return settings.resyncInterval();
    }

    if (org.isEmpty()) {
      publishNothing(stage);
      status.stalled("OrganizationNotFound", "AwsOrganization '" + spec.organizationRef().name()
          + "' does not exist: create it or fix spec.organizationRef.name");
      return settings.resyncInterval();
    }
    if (!organizationReady(org.get())) {
      status.progressing("WaitingForOrganization", "AwsOrganization '"
          + org.get().getMetadata().getName() + "' is not Ready yet"
          + readyMessage(org.get()).map(m -> ": " + m).orElse(""));
      return Duration.ofSeconds(15);
    }
    OrganizationContext context;
    try {
      context = organizations.get(org.get());
    } catch (OrganizationContexts.CredentialsUnavailable e) {
      status.stalled("CredentialsUnavailable", e.getMessage());
      return settings.resyncInterval();
    }

    // 2. Resolve targets through the organisation (a cached snapshot of its OUs and accounts).
    OrganizationSnapshot snapshot = context.snapshot();
    TargetResolver.Resolved resolved = TargetResolver.resolve(spec.targets(), snapshot);
    if (!resolved.valid()) {
      snapshot = context.refreshIfOlderThan(Duration.ofSeconds(30));
      resolved = TargetResolver.resolve(spec.targets(), snapshot);
    }
    if (!resolved.valid()) {
      publishNothing(stage);
      status.stalled("InvalidTargets", String.join("; ", resolved.problems()));
      return context.refreshInterval();
    }

    // 3. Settle who owns which account before writing anything.
    publish(stage, resolved.accounts().keySet());
    if (!claims.complete(peers(stage, ctx))) {
      // Only right after a start (or a new Stage): a moment, not worth a status change that
      // would make every Stage flicker to Reconciling on each restart.
      if (stage.getStatus() != null && Objects.equals(stage.getStatus().observedGeneration(),
          stage.getMetadata().getGeneration())) {
        status.keepCurrent();
      } else {
        status.progressing("WaitingForOtherStages",
            "waiting until every Stage of the organisation has resolved its accounts");
      }
      return Duration.ofSeconds(1);
    }
    Map<String, Set<String>> conflicts = claims.conflictsOf(stage.getMetadata().getName());
    SortedMap<String, String> desired = new TreeMap<>(resolved.accounts());
    conflicts.keySet().forEach(desired::remove);
    status.conflict(!conflicts.isEmpty(), conflictMessage(conflicts));

    // 4. Observe the StackSet and any operation in flight.
    BoundaryStackSets stackSets = context.stackSets();
    String stackSetName = stackSetName(name);
    Optional<StackSetView> stackSet = stackSets.describe(stackSetName);
    StageStatus.Operation last = status.stackSet() == null ? null : status.stackSet().lastOperation();
    boolean detectionRunning = false;
    if (stackSet.isPresent() && last != null && isOpen(last)) {
      Optional<OperationView> op = stackSets.operation(stackSetName, last.id());
      if (op.isPresent() && op.get().running()) {
        status.stackSet(new StageStatus.StackSetStatus(stackSetName, stackSet.get().id(),
            withStatus(last, "RUNNING", null, null)));
        if ("DETECT_DRIFT".equals(last.action())) {
          // drift detection runs in the background: the stage stays as it is meanwhile
          detectionRunning = true;
        } else {
          status.progressing("OperationRunning", "StackSet operation " + last.id() + " ("
              + last.action() + ", " + last.accounts() + " account(s)) is running");
          return settings.pollInterval();
        }
      }
      if (op.isPresent()) {
        recordFinished(stage, status, stackSets, stackSetName, stackSet.get(), last, op.get());
      }
      // not found: the request never reached AWS; the plan below issues it again with the same id
    }

    List<InstanceView> instances = stackSet.isPresent()
        ? homeRegion(stackSets.instances(stackSetName), context.region()) : List.of();
    Map<String, String> parents = new HashMap<>();
    snapshot.accounts().values().forEach(a -> parents.put(a.id(), a.parentId()));

    // 5. Membership: a spec change adopts the resolved accounts; accounts that join or leave the
    //    targeted OUs afterwards are drift, followed only under driftRemediation Reconcile.
    boolean remediate = spec.remediatesDrift() && !spec.suspended();
    boolean adopting = !Objects.equals(status.adoptedGeneration(), stage.getMetadata().getGeneration());
    boolean followMembership = adopting || spec.remediatesDrift();
    Set<String> withInstance = instances.stream().map(InstanceView::accountId).collect(Collectors.toSet());
    SortedMap<String, String> deployTo = new TreeMap<>(desired);
    SortedMap<String, String> joined = new TreeMap<>();
    SortedMap<String, String> left = new TreeMap<>();
    Set<String> keep = new java.util.HashSet<>(conflicts.keySet());
    if (!followMembership) {
      desired.forEach((account, ou) -> {
        if (!withInstance.contains(account)) {
          joined.put(account, ou);
        }
      });
      joined.keySet().forEach(deployTo::remove);
      for (InstanceView i : instances) {
        if (!resolved.accounts().containsKey(i.accountId()) && !conflicts.containsKey(i.accountId())) {
          left.put(i.accountId(), i.organizationalUnitId());
          keep.add(i.accountId());
        }
      }
    }
    RolloutPlanner.Step step = RolloutPlanner.next(doc, stackSet, instances, deployTo, keep, parents);
    Duration driftInterval = spec.driftCheckIntervalOrDefault();
    if (step instanceof RolloutPlanner.Converged && stackSet.isPresent() && !detectionRunning
        && driftDetectionDue(status, driftInterval)) {
      step = new RolloutPlanner.DetectDrift();
    }

    // 6. Per account: what the StackSet says, then what the account really holds.
    AccountView view = accountView(stage, doc, stackSet, instances, deployTo, conflicts, snapshot)
        .withMembershipDrift(stage, joined, left, snapshot);
    Map<String, StageAccountStatus.Boundary> previousBoundaries = new HashMap<>();
    for (StageAccount a : ctx.getSecondaryResources(StageAccount.class)) {
      if (a.getStatus() != null && a.getStatus().boundary() != null && a.getSpec() != null) {
        previousBoundaries.put(a.getSpec().accountId(), a.getStatus().boundary());
      }
    }
    Instant detection = stackSet.flatMap(x -> Optional.ofNullable(x.lastDriftCheck())).orElse(null);
    Set<String> flagged = instances.stream().filter(i -> "DRIFTED".equals(i.driftStatus()))
        .map(InstanceView::accountId)
        .filter(a -> detection == null || previousBoundaries.get(a) == null
            || previousBoundaries.get(a).lastChecked() == null
            || Instant.parse(previousBoundaries.get(a).lastChecked()).isBefore(detection))
        .collect(Collectors.toSet());
    BoundaryVerifier.Outcome verified = verifier.verify(doc, view.accountsIn(State.CURRENT),
        previousBoundaries, driftInterval, flagged, remediate,
        account -> new SdkBoundaryPolicies(context.aws().member(account)));
    view = view.withBoundaries(verified.boundaries());

    // 7. CDK bootstrap, in every account whose boundary policy exists.
    BootstrapRunner.Outcome boot = null;
    StageSpec.Bootstrap bootstrapSpec = spec.bootstrapOrDefault();
    if (bootstrapSpec.enabledOrDefault()) {
      boot = bootstrap(stage, ctx, context, doc, view, instances, keep, remediate, driftInterval);
      view = view.withBootstrap(boot.reports());
    }
    reportDrift(stage, verified, boot);
    status.counts(view.states().values(), conflicts.size(), view.bootstrapped(), view.drifted());
    status.boundaryDeployed();
    status.bootstrapped(bootstrapSpec.enabledOrDefault(), view.bootstrapStates());
    status.inSync(view.driftReasons(), spec.remediatesDrift());
    metrics.report(stage, view.states(), view.bootstrapStates());
    boolean moreWork = verified.moreWork() || (boot != null && boot.moreWork());

    boolean detect = step instanceof RolloutPlanner.DetectDrift;
    if (detect) {
      startDriftDetection(stage, ctx, status, context, stackSet.get(), driftInterval);
    }
    if (detectionRunning && !(spec.suspended() || step instanceof RolloutPlanner.Converged)) {
      status.progressing("WaitingForDriftDetection", "StackSet drift detection is running; the next "
          + "rollout step follows when it ends");
      return settings.pollInterval();
    }
    if (spec.suspended() || step instanceof RolloutPlanner.Converged || detect) {
      accounts.sync(stage, view.objects(), ctx.getSecondaryResources(StageAccount.class));
      if (!spec.suspended()) {
        status.adopted(stage.getMetadata().getGeneration());
      }
      if (moreWork && !spec.suspended()) {
        status.progressing("Verifying", "checking and bootstrapping accounts: " + status.bootstrapSummary());
        return settings.pollInterval();
      }
      status.settled(spec.suspended());
      if (detect || detectionRunning) {
        return settings.pollInterval();
      }
      Duration next = spec.suspended() ? settings.resyncInterval() : converged(context);
      return next.compareTo(driftInterval) < 0 ? next : driftInterval;
    }

    // 8. Take the next step.
    if (step instanceof RolloutPlanner.CreateStackSet) {
      String id = stackSets.create(stackSetName, doc.cloudFormationTemplate(),
          "Permissions boundary of stage " + name + " (stage-boundary-operator)",
          Map.of("stage-boundary-operator/stage", name));
      events.normal(stage, "StackSetCreated", "created StackSet " + stackSetName + " (" + id
          + ") with boundary revision " + doc.revision());
      status.stackSet(new StageStatus.StackSetStatus(stackSetName, id, last));
      status.progressing("StackSetCreated", "created StackSet " + stackSetName);
      return Duration.ofMillis(1);
    }
    return startOperation(stage, ctx, status, context, doc, stackSet.get(), step, view);
  }

  private boolean driftDetectionDue(StageStatusBuilder status, Duration interval) {
    StageStatus.Drift d = status.drift();
    return d == null || d.lastStackSetCheck() == null
        || Instant.parse(d.lastStackSetCheck()).plus(interval).isBefore(settings.clock().instant());
  }

  private void startDriftDetection(Stage stage, Context<Stage> ctx, StageStatusBuilder status,
      OrganizationContext context, StackSetView stackSet, Duration interval) {
    long window = settings.clock().instant().getEpochSecond() / Math.max(1, interval.toSeconds());
    String base = OperationIds.base(stage.getMetadata().getUid(), "drift", String.valueOf(window));
    StageStatus.Operation last = status.stackSet() == null ? null : status.stackSet().lastOperation();
    int attempt = last != null && last.id() != null && last.id().startsWith(base + "-")
        ? attemptOf(last.id()) + (isOpen(last) ? 0 : 1) : 0;
    String opId = OperationIds.id(base, attempt);
    StageStatus.Operation requested = new StageStatus.Operation(opId, "DETECT_DRIFT", "REQUESTED", now(),
        null, null, null);
    // No need to record the id first: it is the same for the whole interval, so a restart
    // finds the running detection through OperationIdAlreadyExists.
    try {
      context.stackSets().detectDrift(stackSet.name(), preferences(stage.getSpec()), opId);
    } catch (AwsFailure f) {
      if (f.kind() != AwsFailure.Kind.ALREADY_EXISTS) {
        throw f;
      }
    }
    status.stackSet(new StageStatus.StackSetStatus(stackSet.name(), stackSet.id(),
        withStatus(requested, "RUNNING", null, null)));
  }

  private void reportDrift(Stage stage, BoundaryVerifier.Outcome verified, BootstrapRunner.Outcome boot) {
    Map<String, String> found = new java.util.LinkedHashMap<>(verified.detected());
    List<String> repaired = new ArrayList<>(verified.repaired());
    if (boot != null) {
      found.putAll(boot.drifted());
      repaired.addAll(boot.repaired());
    }
    found.values().forEach(reason -> metrics.driftDetected(stage, reason));
    if (!repaired.isEmpty()) {
      String msg = "repaired drift in " + repaired.size() + " place(s): " + abbreviate(repaired, 10);
      events.normal(stage, "DriftRepaired", msg);
      LOG.infof("stage %s: %s", stage.getMetadata().getName(), msg);
    }
    if (found.size() > repaired.size()) {
      List<String> open = found.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
      events.warning(stage, "DriftDetected", "drift in " + open.size() + " place(s): " + abbreviate(open, 10)
          + (stage.getSpec().remediatesDrift() ? "" : " (driftRemediation is Report: not changed)"));
    }
  }

  private Duration startOperation(Stage stage, Context<Stage> ctx, StageStatusBuilder status,
      OrganizationContext context, BoundaryDocument doc, StackSetView stackSet,
      RolloutPlanner.Step step, AccountView view) {
    String uid = stage.getMetadata().getUid();
    String name = stackSet.name();
    String region = context.region();
    OperationPreferences prefs = preferences(stage.getSpec());
    String action;
    String base;
    List<Target> targets;
    if (step instanceof RolloutPlanner.UpdateTemplate u) {
      action = "UPDATE";
      base = OperationIds.base(uid, "update", u.fromRevision(), u.toRevision());
      targets = List.of();
    } else if (step instanceof RolloutPlanner.CreateInstances c) {
      action = "CREATE_INSTANCES";
      targets = c.targets();
      base = OperationIds.base(uid, "create", accountsOf(targets));
    } else if (step instanceof RolloutPlanner.DeleteInstances d) {
      action = "DELETE_INSTANCES";
      targets = d.targets();
      base = OperationIds.base(uid, "delete", accountsOf(targets));
    } else if (step instanceof RolloutPlanner.RetryInstances r) {
      action = "RETRY";
      targets = r.targets();
      base = OperationIds.base(uid, "retry", doc.revision(), accountsOf(targets));
    } else {
      throw new IllegalStateException("not an operation: " + step);
    }
    boolean retainStacks = stage.getSpec().deletionPolicyOrDefault() != StageSpec.DeletionPolicy.Delete;
    if ("DELETE_INSTANCES".equals(action) && !retainStacks) {
      // Accounts leaving a Delete-policy stage lose the policy: the boundary comes out of their
      // bootstrap stacks first, as on deletion of the whole stage.
      StageSpec.Bootstrap b = stage.getSpec().bootstrapOrDefault();
      BootstrapRunner.ClearOutcome cleared = bootstrapRunner.clear(b.stackNameOrDefault(), doc.policyName(),
          targets.stream().map(Target::accountId).distinct().toList(), stage.getSpec().targets().regions(),
          (account, r) -> new SdkBootstrapStacks(context.aws().member(account), r));
      if (!cleared.done()) {
        status.progressing("ClearingBootstrap", "clearing the boundary from the CDK bootstrap stacks of "
            + "accounts that left the stage before removing their policy"
            + (cleared.failures().isEmpty() ? "" : ": " + abbreviate(cleared.failures(), 3)));
        return cleared.failures().isEmpty() ? settings.pollInterval() : backoff(1);
      }
    }
    StageStatus.Operation last = status.stackSet() == null ? null : status.stackSet().lastOperation();
    int attempt = 0;
    if (last != null && last.id() != null && last.id().startsWith(base + "-")) {
      int lastAttempt = attemptOf(last.id());
      attempt = isOpen(last) ? lastAttempt : lastAttempt + 1;
      if ("FAILED".equals(last.status()) && last.endedAt() != null) {
        Instant due = Instant.parse(last.endedAt()).plus(backoff(lastAttempt));
        if (due.isAfter(settings.clock().instant())) {
          status.progressing("RetryBackoff", "the last operation failed (" + last.message()
              + "); trying again after " + due);
          return Duration.between(settings.clock().instant(), due).plusSeconds(1);
        }
      }
    }
    String opId = OperationIds.id(base, attempt);
    int count = "UPDATE".equals(action) ? view.states().size()
        : (int) targets.stream().map(Target::accountId).distinct().count();
    StageStatus.Operation requested = new StageStatus.Operation(opId, action, "REQUESTED",
        now(), null, count, null);
    // The id goes to the cluster before the request goes to AWS: a restart between the two finds
    // the id, sees AWS never got it, and sends the same request again under the same id.
    status.stackSet(new StageStatus.StackSetStatus(name, stackSet.id(), requested));
    status.progressing("OperationRequested", "requesting StackSet operation " + opId);
    patchStatus(stage, status, ctx);
    BoundaryStackSets stackSets = context.stackSets();
    try {
      switch (action) {
        case "UPDATE" -> stackSets.updateTemplate(name, doc.cloudFormationTemplate(), prefs, opId);
        case "CREATE_INSTANCES" -> stackSets.createInstances(name, targets, region, prefs, opId);
        // Retain (the default): the instance leaves the StackSet, the policy stays in the account.
        case "DELETE_INSTANCES" -> stackSets.deleteInstances(name, targets, region, retainStacks, prefs, opId);
        default -> stackSets.updateInstances(name, targets, region, prefs, opId);
      }
    } catch (AwsFailure f) {
      if (f.kind() != AwsFailure.Kind.ALREADY_EXISTS) {
        throw f;
      }
      LOG.infof("stage %s: operation %s already exists in AWS; following it", stage.getMetadata().getName(), opId);
    }
    status.stackSet(new StageStatus.StackSetStatus(name, stackSet.id(),
        new StageStatus.Operation(opId, action, "RUNNING", requested.startedAt(), null, count, null)));
    events.normal(stage, "OperationStarted", describe(action, opId, count, doc.revision()));
    LOG.infof("stage %s: %s", stage.getMetadata().getName(), describe(action, opId, count, doc.revision()));
    status.progressing("OperationRunning", "StackSet operation " + opId + " (" + action + ", "
        + count + " account(s)) is running");
    accounts.sync(stage, view.inProgress(targets, "UPDATE".equals(action), opId),
        ctx.getSecondaryResources(StageAccount.class));
    return settings.pollInterval();
  }

  private void recordFinished(Stage stage, StageStatusBuilder status, BoundaryStackSets stackSets,
      String stackSetName, StackSetView stackSet, StageStatus.Operation last, OperationView op) {
    String message = null;
    if (!"SUCCEEDED".equals(op.status())) {
      List<String> reasons = stackSets.results(stackSetName, op.id()).stream()
          .filter(r -> "FAILED".equals(r.status()))
          .map(r -> r.accountId() + ": " + r.statusReason()).limit(3).toList();
      message = (op.statusReason() == null ? op.status() : op.statusReason())
          + (reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")");
    }
    String ended = op.ended() == null ? now() : op.ended().truncatedTo(ChronoUnit.SECONDS).toString();
    status.stackSet(new StageStatus.StackSetStatus(stackSetName, stackSet.id(),
        withStatus(last, op.status(), ended, message)));
    metrics.operationFinished(last.action(), op.status(), op.created(), op.ended());
    if ("DETECT_DRIFT".equals(last.action())) {
      status.stackSetDriftChecked(ended, stackSet.driftStatus());
      LOG.debugf("stage %s: StackSet drift detection %s found %s", stage.getMetadata().getName(),
          op.id(), stackSet.driftStatus());
      return;
    }
    LOG.infof("stage %s: StackSet operation %s ended %s%s", stage.getMetadata().getName(), op.id(),
        op.status(), message == null ? "" : ": " + message);
    if ("SUCCEEDED".equals(op.status())) {
      events.normal(stage, "OperationSucceeded", "StackSet operation " + op.id() + " succeeded");
    } else {
      events.warning(stage, "OperationFailed", "StackSet operation " + op.id() + " ended "
          + op.status() + ": " + message);
    }
  }

  /** Each account's state and the StageAccount object that reports it. */
  record AccountView(Map<String, State> states, Map<String, StageAccountSync.Desired> objects) {
    /** The same view with the accounts an operation now works on shown as OUTDATED. */
    Map<String, StageAccountSync.Desired> inProgress(List<Target> targets, boolean all, String opId) {
      Set<String> touched = targets.stream().map(Target::accountId).collect(Collectors.toSet());
      Map<String, StageAccountSync.Desired> out = new LinkedHashMap<>(objects);
      out.replaceAll((account, d) -> {
        StageAccountStatus.Boundary b = d.status().boundary();
        if (b.state() == State.CONFLICT || !(all || touched.contains(account))) {
          return d;
        }
        return new StageAccountSync.Desired(d.spec(), new StageAccountStatus(
            new StageAccountStatus.Boundary(State.OUTDATED, b.revision(), b.stackInstanceStatus(),
                "StackSet operation " + opId + " is deploying to this account"),
            d.status().conflictsWith(), d.status().bootstrapState(), d.status().bootstrap()));
      });
      return out;
    }

    AccountView withBootstrap(Map<String, List<StageAccountStatus.RegionBootstrap>> reports) {
      Map<String, StageAccountSync.Desired> out = new LinkedHashMap<>(objects);
      out.replaceAll((account, d) -> {
        List<StageAccountStatus.RegionBootstrap> r = reports.get(account);
        if (r == null) {
          return d;
        }
        return new StageAccountSync.Desired(d.spec(), new StageAccountStatus(d.status().boundary(),
            d.status().conflictsWith(), BootstrapRunner.overall(r), r));
      });
      return new AccountView(states, out);
    }

    AccountView withMembershipDrift(Stage stage, Map<String, String> joined, Map<String, String> left,
        OrganizationSnapshot snapshot) {
      Map<String, State> st = new LinkedHashMap<>(states);
      Map<String, StageAccountSync.Desired> out = new LinkedHashMap<>(objects);
      joined.forEach((account, ou) -> {
        st.put(account, State.MISSING);
        out.put(account, new StageAccountSync.Desired(spec(stage, account, snapshot), new StageAccountStatus(
            new StageAccountStatus.Boundary(State.MISSING, null, null, "joined the targeted OUs after the "
                + "last rollout; driftRemediation is Report: not deployed (set it to Reconcile, or change "
                + "the Stage to adopt the new account)", null, "JoinedAfterRollout"), null)));
      });
      left.forEach((account, ou) -> {
        st.put(account, State.DRIFTED);
        out.put(account, new StageAccountSync.Desired(spec(stage, account, snapshot), new StageAccountStatus(
            new StageAccountStatus.Boundary(State.DRIFTED, null, null, "left the targeted OUs after the "
                + "last rollout; driftRemediation is Report: its boundary stays deployed", null, "LeftTargets"),
            null)));
      });
      return new AccountView(st, out);
    }

    Set<String> accountsIn(State state) {
      return states.entrySet().stream().filter(e -> e.getValue() == state).map(Map.Entry::getKey)
          .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** The same view with what the direct checks found for the accounts they looked at. */
    AccountView withBoundaries(Map<String, StageAccountStatus.Boundary> checked) {
      Map<String, State> st = new LinkedHashMap<>(states);
      Map<String, StageAccountSync.Desired> out = new LinkedHashMap<>(objects);
      checked.forEach((account, b) -> {
        StageAccountSync.Desired d = out.get(account);
        if (d == null) {
          return;
        }
        st.put(account, b.state());
        out.put(account, new StageAccountSync.Desired(d.spec(), new StageAccountStatus(b,
            d.status().conflictsWith(), d.status().bootstrapState(), d.status().bootstrap())));
      });
      return new AccountView(st, out);
    }

    /** Accounts with any open drift (boundary or bootstrap). */
    int drifted() {
      return (int) objects.values().stream().filter(d -> openDrift(d.status())).count();
    }

    /** Open drift by reason, counting each account once per reason. */
    Map<String, Integer> driftReasons() {
      Map<String, Integer> out = new TreeMap<>();
      for (StageAccountSync.Desired d : objects.values()) {
        StageAccountStatus.Boundary b = d.status().boundary();
        Set<String> reasons = new java.util.TreeSet<>();
        if (b != null && b.driftReason() != null && (b.state() == State.DRIFTED || b.state() == State.MISSING)) {
          reasons.add(b.driftReason());
        }
        if (d.status().bootstrap() != null) {
          d.status().bootstrap().stream().filter(r -> r.state() == StageAccountStatus.BootstrapState.DRIFTED)
              .forEach(r -> reasons.add(r.driftReason()));
        }
        reasons.forEach(r -> out.merge(r, 1, Integer::sum));
      }
      return out;
    }

    private static boolean openDrift(StageAccountStatus s) {
      StageAccountStatus.Boundary b = s.boundary();
      boolean boundary = b != null && b.driftReason() != null && (b.state() == State.DRIFTED || b.state() == State.MISSING);
      boolean bootstrap = s.bootstrap() != null && s.bootstrap().stream()
          .anyMatch(r -> r.state() == StageAccountStatus.BootstrapState.DRIFTED);
      return boundary || bootstrap;
    }

    /** Accounts (not held by a conflict) whose every region is bootstrapped. */
    int bootstrapped() {
      return (int) objects.values().stream().filter(d -> d.status().bootstrapState()
          == StageAccountStatus.BootstrapState.CURRENT).count();
    }

    List<StageAccountStatus.BootstrapState> bootstrapStates() {
      return objects.values().stream().map(d -> d.status().bootstrapState())
          .filter(java.util.Objects::nonNull).toList();
    }
  }

  private BootstrapRunner.Outcome bootstrap(Stage stage, Context<Stage> ctx, OrganizationContext context,
      BoundaryDocument doc, AccountView view, List<InstanceView> instances, Set<String> held,
      boolean remediate, Duration verifyInterval) {
    StageSpec spec = stage.getSpec();
    StageSpec.Bootstrap b = spec.bootstrapOrDefault();
    Map<String, InstanceView> byAccount = new HashMap<>();
    instances.forEach(i -> byAccount.put(i.accountId(), i));
    List<String> ready = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    view.states().forEach((account, state) -> {
      if (state == State.CONFLICT || held.contains(account)) {
        return;
      }
      InstanceView i = byAccount.get(account);
      // the policy exists once its instance has succeeded at least at an older revision
      boolean policyExists = state == State.CURRENT || (i != null && "CURRENT".equals(i.status()));
      (policyExists ? ready : waiting).add(account);
    });
    Map<String, List<StageAccountStatus.RegionBootstrap>> previous = new HashMap<>();
    for (StageAccount a : ctx.getSecondaryResources(StageAccount.class)) {
      if (a.getStatus() != null && a.getStatus().bootstrap() != null && a.getSpec() != null) {
        previous.put(a.getSpec().accountId(), a.getStatus().bootstrap());
      }
    }
    BootstrapPlanner.Want want = new BootstrapPlanner.Want(doc.policyName(), b.applyToAllRolesOrDefault(),
        b.qualifierOrDefault(), b.stackNameOrDefault(), b.minimumVersionOrDefault(),
        b.createIfMissingOrDefault());
    BootstrapRunner.Outcome out = bootstrapRunner.run(stage.getMetadata().getUid(), want,
        (account, region) -> doc.policyArn(account), ready, waiting,
        held.stream().filter(a -> view.states().get(a) == State.CONFLICT).toList(), spec.targets().regions(),
        previous, verifyInterval, spec.suspended(), remediate,
        (account, region) -> new SdkBootstrapStacks(context.aws().member(account), region));
    if (!out.written().isEmpty()) {
      String msg = "updated the CDK bootstrap stack " + b.stackNameOrDefault() + " in "
          + out.written().size() + " account/region pair(s): " + abbreviate(out.written(), 10);
      events.normal(stage, "BootstrapUpdated", msg);
      LOG.infof("stage %s: %s", stage.getMetadata().getName(), msg);
    }
    if (!out.failures().isEmpty()) {
      events.warning(stage, "BootstrapFailed", out.failures().size() + " bootstrap stack(s) need attention: "
          + abbreviate(out.failures(), 3));
    }
    return out;
  }

  private static String abbreviate(List<String> items, int limit) {
    String shown = String.join(", ", items.subList(0, Math.min(limit, items.size())));
    return items.size() > limit ? shown + " and " + (items.size() - limit) + " more" : shown;
  }

  private AccountView accountView(Stage stage, BoundaryDocument doc,
      Optional<StackSetView> stackSet, List<InstanceView> instances, SortedMap<String, String> desired,
      Map<String, Set<String>> conflicts, OrganizationSnapshot snapshot) {
    String deployed = stackSet.flatMap(s -> BoundaryDocument.revisionOf(s.templateBody())).orElse(null);
    Map<String, InstanceView> byAccount = new HashMap<>();
    instances.forEach(i -> byAccount.put(i.accountId(), i));
    Map<String, StageAccountSync.Desired> objects = new LinkedHashMap<>();
    Map<String, State> states = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : desired.entrySet()) {
      StageAccountStatus.Boundary b = boundaryOf(byAccount.get(e.getKey()), deployed, doc.revision());
      states.put(e.getKey(), b.state());
      objects.put(e.getKey(), new StageAccountSync.Desired(spec(stage, e.getKey(), snapshot),
          new StageAccountStatus(b, null)));
    }
    for (Map.Entry<String, Set<String>> c : conflicts.entrySet()) {
      StageAccountStatus.Boundary b = new StageAccountStatus.Boundary(State.CONFLICT, null,
          byAccount.containsKey(c.getKey()) ? byAccount.get(c.getKey()).status() : null,
          "also claimed by Stage " + String.join(", ", c.getValue())
              + "; nothing is written to this account until only one Stage targets it");
      states.put(c.getKey(), State.CONFLICT);
      objects.put(c.getKey(), new StageAccountSync.Desired(spec(stage, c.getKey(), snapshot),
          new StageAccountStatus(b, List.copyOf(c.getValue()))));
    }
    return new AccountView(states, objects);
  }

  private static StageAccountStatus.Boundary boundaryOf(InstanceView i, String deployed, String wanted) {
    if (i == null) {
      return new StageAccountStatus.Boundary(State.MISSING, null, null,
          "no stack instance yet; it is created in the next rollout step");
    }
    String instanceStatus = i.status() + (i.detailedStatus() == null ? "" : "/" + i.detailedStatus());
    if ("CURRENT".equals(i.status())) {
      if (wanted.equals(deployed)) {
        return new StageAccountStatus.Boundary(State.CURRENT, deployed, instanceStatus, null);
      }
      return new StageAccountStatus.Boundary(State.OUTDATED, deployed, instanceStatus,
          "revision " + deployed + " deployed, " + wanted + " pending");
    }
    if (RolloutPlanner.inFlight(i)) {
      return new StageAccountStatus.Boundary(State.OUTDATED, deployed, instanceStatus,
          "a StackSet operation is deploying to this account");
    }
    String reason = i.statusReason() == null ? "the last deployment did not finish" : i.statusReason();
    return new StageAccountStatus.Boundary(State.FAILED, deployed, instanceStatus,
        reason + "; the operator retries with backoff");
  }

  private Duration converged(OrganizationContext context) {
    Duration refresh = context.refreshInterval();
    return refresh.compareTo(settings.resyncInterval()) < 0 ? refresh : settings.resyncInterval();
  }

  private static StageAccountSpec spec(Stage stage, String account, OrganizationSnapshot snapshot) {
    OrganizationSnapshot.Account a = snapshot.accounts().get(account);
    return new StageAccountSpec(stage.getMetadata().getName(), account, a == null ? null : a.name(),
        a == null ? null : a.parentId());
  }

  private void patchStatus(Stage stage, StageStatusBuilder status, Context<Stage> ctx) {
    StageStatus next = status.build();
    if (StageStatusBuilder.same(stage.getStatus(), next)) {
      return;
    }
    Stage fresh = new Stage();
    fresh.getMetadata().setName(stage.getMetadata().getName());
    fresh.setStatus(next);
    Stage patched = PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(stage, fresh, ctx);
    stage.setStatus(patched.getStatus());
    stage.getMetadata().setResourceVersion(patched.getMetadata().getResourceVersion());
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
    StageStatusBuilder status = new StageStatusBuilder(stage, settings.clock());
    status.progressing("InternalError", e.getClass().getSimpleName() + ": "
        + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + " (retrying)");
    Stage fresh = new Stage();
    fresh.getMetadata().setName(stage.getMetadata().getName());
    fresh.setStatus(status.build());
    return ErrorStatusUpdateControl.patchStatus(fresh);
  }

  /** The SDK's or the HTTP client's executors were shut down under a running reconcile. */
  static boolean causedByShutdown(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.util.concurrent.RejectedExecutionException
          || String.valueOf(t.getMessage()).contains("Connection pool shut down")) {
        return true;
      }
    }
    return false;
  }

  private Duration onAwsFailure(Stage stage, StageStatusBuilder status, AwsFailure f) {
    String name = stage.getMetadata().getName();
    int n = transientFailures.merge(name, 1, Integer::sum);
    LOG.infof("stage %s: %s (%s, %d in a row)", name, f.getMessage(), f.kind(), n);
    switch (f.kind()) {
      case BUSY -> {
        status.progressing("StackSetBusy", "another operation is running on the StackSet; waiting ("
            + f.getMessage() + ")");
        return Duration.ofSeconds(10);
      }
      case THROTTLED, UNAVAILABLE -> {
        Duration wait = backoff(n - 1);
        status.progressing(f.kind() == AwsFailure.Kind.THROTTLED ? "AwsThrottled" : "AwsUnavailable",
            f.getMessage() + "; trying again in " + wait.toSeconds() + "s");
        return wait;
      }
      case ACCESS_DENIED -> {
        events.warning(stage, "AwsAccessDenied", f.getMessage());
        status.stalled("AwsAccessDenied", f.getMessage()
            + ": check the operator's IAM permissions and the AwsOrganization credentials");
        return Duration.ofMinutes(5);
      }
      default -> {
        events.warning(stage, "AwsRequestFailed", f.getMessage());
        status.stalled("AwsRequestFailed", f.getMessage());
        return Duration.ofMinutes(5);
      }
    }
  }

  Duration backoff(int attempt) {
    long factor = 1L << Math.min(Math.max(attempt, 0), 5);
    Duration d = settings.retryDelay().multipliedBy(factor);
    return d.compareTo(Duration.ofMinutes(15)) > 0 ? Duration.ofMinutes(15) : d;
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  public DeleteControl cleanup(Stage stage, Context<Stage> ctx) {
    String name = stage.getMetadata().getName();
    nudge(claims.remove(name));
    metrics.forget(name);
    StageSpec spec = stage.getSpec();
    if (spec.deletionPolicyOrDefault() == StageSpec.DeletionPolicy.Retain) {
      accounts.deleteAll(name);
      events.normal(stage, "Retained", "deletionPolicy is Retain: the StackSet "
          + stackSetName(name) + " and every boundary policy stay in AWS");
      return DeleteControl.defaultDelete();
    }
    StageStatusBuilder status = new StageStatusBuilder(stage, settings.clock());
    try {
      Optional<Duration> wait = deleteFromAws(stage, ctx, status);
      if (wait.isEmpty()) {
        accounts.deleteAll(name);
        return DeleteControl.defaultDelete();
      }
      patchStatus(stage, status, ctx);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(wait.get().toMillis());
    } catch (AwsFailure f) {
      Duration next = onAwsFailure(stage, status, f);
      patchStatus(stage, status, ctx);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(next.toMillis());
    }
  }

  /** Empty when everything is gone; otherwise how long until the next look. */
  private Optional<Duration> deleteFromAws(Stage stage, Context<Stage> ctx, StageStatusBuilder status) {
    String name = stage.getMetadata().getName();
    if (stage.getSpec().suspended()) {
      status.stalled("DeletionSuspended", "deletionPolicy is Delete but spec.suspend is true: set "
          + "suspend to false to let the deletion proceed, or deletionPolicy to Retain to keep AWS as it is");
      return Optional.of(settings.resyncInterval());
    }
    Optional<AwsOrganization> org = ctx.getSecondaryResource(AwsOrganization.class);
    if (org.isEmpty()) {
      status.stalled("OrganizationNotFound", "cannot delete from AWS: AwsOrganization '"
          + stage.getSpec().organizationRef().name() + "' does not exist; recreate it, or set "
          + "deletionPolicy to Retain to let the Stage go and keep AWS as it is");
      return Optional.of(settings.resyncInterval());
    }
    OrganizationContext context;
    try {
      context = organizations.get(org.get());
    } catch (OrganizationContexts.CredentialsUnavailable e) {
      status.stalled("CredentialsUnavailable", e.getMessage());
      return Optional.of(settings.resyncInterval());
    }
    BoundaryStackSets stackSets = context.stackSets();
    String stackSetName = stackSetName(name);
    Optional<StackSetView> stackSet = stackSets.describe(stackSetName);
    if (stackSet.isEmpty()) {
      return Optional.empty();
    }
    StageStatus.Operation last = status.stackSet() == null ? null : status.stackSet().lastOperation();
    if (last != null && isOpen(last)) {
      Optional<OperationView> op = stackSets.operation(stackSetName, last.id());
      if (op.isPresent() && op.get().running()) {
        status.progressing("Deleting", "waiting for StackSet operation " + last.id());
        return Optional.of(settings.pollInterval());
      }
      if (op.isPresent()) {
        recordFinished(stage, status, stackSets, stackSetName, stackSet.get(), last, op.get());
      }
    }
    List<InstanceView> instances = stackSets.instances(stackSetName);
    // 1. The boundary out of every bootstrap stack first: IAM refuses to delete a policy that is
    //    still a role's boundary.
    StageSpec.Bootstrap b = stage.getSpec().bootstrapOrDefault();
    List<String> accountsWithPolicy = instances.stream().map(InstanceView::accountId).distinct().toList();
    BootstrapRunner.ClearOutcome cleared = bootstrapRunner.clear(b.stackNameOrDefault(),
        stage.getSpec().boundary().policyName(), accountsWithPolicy, stage.getSpec().targets().regions(),
        (account, region) -> new SdkBootstrapStacks(context.aws().member(account), region));
    if (!cleared.written().isEmpty()) {
      events.normal(stage, "BootstrapCleared", "deletionPolicy is Delete: cleared the boundary from "
          + "the CDK bootstrap stack in " + cleared.written().size() + " account/region pair(s): "
          + abbreviate(cleared.written(), 10));
    }
    if (!cleared.done()) {
      if (!cleared.failures().isEmpty()) {
        events.warning(stage, "BootstrapClearFailed", abbreviate(cleared.failures(), 3));
        status.stalled("DeletionBlocked", "cannot clear the boundary from every bootstrap stack: "
            + abbreviate(cleared.failures(), 3) + "; fix it, or set deletionPolicy to Retain");
        return Optional.of(backoff(1));
      }
      status.progressing("Deleting", "deletionPolicy is Delete: clearing the boundary from CDK "
          + "bootstrap stacks before removing the policy");
      return Optional.of(settings.pollInterval());
    }
    // 2. Then the stack instances (the policies), 3. then the StackSet.
    if (instances.isEmpty()) {
      stackSets.delete(stackSetName);
      events.normal(stage, "StackSetDeleted", "deleted StackSet " + stackSetName);
      return Optional.empty();
    }
    Map<String, String> parents = new HashMap<>();
    context.snapshot().accounts().values().forEach(a -> parents.put(a.id(), a.parentId()));
    List<Target> targets = new ArrayList<>();
    for (InstanceView i : instances) {
      String ou = i.organizationalUnitId() != null ? i.organizationalUnitId() : parents.get(i.accountId());
      targets.add(new Target(i.accountId(), ou));
    }
    targets = RolloutPlanner.firstOus(targets);
    String base = OperationIds.base(stage.getMetadata().getUid(), "teardown", accountsOf(targets));
    int attempt = 0;
    if (last != null && last.id() != null && last.id().startsWith(base + "-")) {
      attempt = attemptOf(last.id()) + (isOpen(last) ? 0 : 1);
      if ("FAILED".equals(last.status()) && last.endedAt() != null) {
        Instant due = Instant.parse(last.endedAt()).plus(backoff(attemptOf(last.id())));
        if (due.isAfter(settings.clock().instant())) {
          String hint = String.valueOf(last.message()).contains("DeleteConflict")
              ? " (the policy is still attached to, or the boundary of, roles outside the bootstrap "
              + "stack, such as roles apps created with the stage's CDK context: remove it from them, "
              + "or set deletionPolicy to Retain)" : "";
          status.stalled("DeletionFailed", "removing the boundary failed: " + last.message() + hint
              + "; trying again after " + due);
          return Optional.of(Duration.between(settings.clock().instant(), due).plusSeconds(1));
        }
      }
    }
    String opId = OperationIds.id(base, attempt);
    StageStatus.Operation requested = new StageStatus.Operation(opId, "DELETE_INSTANCES", "REQUESTED",
        now(), null, targets.size(), null);
    status.stackSet(new StageStatus.StackSetStatus(stackSetName, stackSet.get().id(), requested));
    status.progressing("Deleting", "deletionPolicy is Delete: removing the boundary from "
        + targets.size() + " account(s)");
    patchStatus(stage, status, ctx);
    try {
      stackSets.deleteInstances(stackSetName, targets, context.region(), false,
          preferences(stage.getSpec()), opId);
    } catch (AwsFailure f) {
      if (f.kind() != AwsFailure.Kind.ALREADY_EXISTS) {
        throw f;
      }
    }
    status.stackSet(new StageStatus.StackSetStatus(stackSetName, stackSet.get().id(),
        withStatus(requested, "RUNNING", null, null)));
    events.normal(stage, "DeletingInstances", "deletionPolicy is Delete: StackSet operation "
        + opId + " removes the boundary from " + targets.size() + " account(s)");
    return Optional.of(settings.pollInterval());
  }

  // ---------------------------------------------------------------------------------------------

  private void publish(Stage stage, Set<String> accountIds) {
    StageSpec spec = stage.getSpec();
    nudge(claims.publish(new StageClaims.Claim(stage.getMetadata().getName(),
        spec.organizationRef().name(), stage.getMetadata().getGeneration(), Set.copyOf(accountIds),
        spec.boundary().policyName(), spec.bootstrapOrDefault().qualifierOrDefault())));
  }

  private void publishNothing(Stage stage) {
    StageSpec spec = stage.getSpec();
    String policy = spec.boundary() == null ? "" : String.valueOf(spec.boundary().policyName());
    nudge(claims.publish(new StageClaims.Claim(stage.getMetadata().getName(),
        spec.organizationRef().name(), stage.getMetadata().getGeneration(), Set.of(), policy,
        spec.bootstrapOrDefault().qualifierOrDefault())));
  }

  private void nudge(Set<String> stages) {
    stages.forEach(s -> nudges.propagateEvent(new ResourceID(s)));
  }

  private static List<Map.Entry<String, Long>> peers(Stage stage, Context<Stage> ctx) {
    return ctx.getPrimaryCache().byIndex(ORG_INDEX, stage.getSpec().organizationRef().name())
        .stream().filter(s -> s.getMetadata().getDeletionTimestamp() == null)
        .map(s -> (Map.Entry<String, Long>) new AbstractMap.SimpleEntry<>(s.getMetadata().getName(),
            s.getMetadata().getGeneration()))
        .toList();
  }

  static boolean organizationReady(AwsOrganization org) {
    if (org.getStatus() == null || org.getStatus().conditions() == null) {
      return false;
    }
    // An organisation whose deletion waits for its Stages (InUse) still works: its Stages carry on.
    boolean inUse = org.getMetadata().getDeletionTimestamp() != null && org.getStatus().organizationId() != null
        && org.getStatus().conditions().stream().anyMatch(c -> "Stalled".equals(c.getType())
            && "True".equals(c.getStatus()) && "InUse".equals(c.getReason()));
    return inUse || org.getStatus().conditions().stream().anyMatch(c -> "Ready".equals(c.getType())
        && "True".equals(c.getStatus())
        && java.util.Objects.equals(c.getObservedGeneration(), org.getMetadata().getGeneration()));
  }

  private static Optional<String> readyMessage(AwsOrganization org) {
    if (org.getStatus() == null || org.getStatus().conditions() == null) {
      return Optional.empty();
    }
    return org.getStatus().conditions().stream().filter(c -> "Ready".equals(c.getType()))
        .map(io.stageboundary.operator.api.v1alpha1.Condition::getMessage).findFirst();
  }

  private static String conflictMessage(Map<String, Set<String>> conflicts) {
    if (conflicts.isEmpty()) {
      return "no other Stage claims these accounts";
    }
    Map<String, List<String>> byStage = new TreeMap<>();
    conflicts.forEach((account, stages) -> stages.forEach(s ->
        byStage.computeIfAbsent(s, x -> new ArrayList<>()).add(account)));
    List<String> parts = new ArrayList<>();
    byStage.forEach((s, accts) -> parts.add("Stage " + s + " also targets "
        + (accts.size() > 5 ? String.join(", ", accts.subList(0, 5)) + " and " + (accts.size() - 5) + " more"
        : String.join(", ", accts))));
    return String.join("; ", parts) + ". Nothing is written to these accounts until each is "
        + "targeted by one Stage only (use excludeAccounts, or use a different policy name and bootstrap qualifier).";
  }

  private static List<InstanceView> homeRegion(List<InstanceView> all, String region) {
    return all.stream().filter(i -> region.equals(i.region())).toList();
  }

  private static OperationPreferences preferences(StageSpec spec) {
    StageSpec.Rollout r = spec.rolloutOrDefault();
    return new OperationPreferences(r.maxConcurrentPercentageOrDefault(),
        r.failureTolerancePercentageOrDefault(),
        r.regionConcurrencyOrDefault() == StageSpec.Rollout.RegionConcurrency.Parallel);
  }

  private static String accountsOf(List<Target> targets) {
    return OperationIds.fingerprint(targets.stream().map(Target::accountId).distinct().toList());
  }

  static boolean isOpen(StageStatus.Operation op) {
    return "REQUESTED".equals(op.status()) || "RUNNING".equals(op.status());
  }

  static int attemptOf(String id) {
    int dash = id.lastIndexOf('-');
    try {
      return Integer.parseInt(id.substring(dash + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static StageStatus.Operation withStatus(StageStatus.Operation op, String status,
      String endedAt, String message) {
    return new StageStatus.Operation(op.id(), op.action(), status, op.startedAt(), endedAt,
        op.accounts(), message);
  }

  private String now() {
    return settings.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String describe(String action, String opId, int count, String revision) {
    return switch (action) {
      case "UPDATE" -> "rolling boundary revision " + revision + " out to " + count
          + " account(s) (StackSet operation " + opId + ")";
      case "CREATE_INSTANCES" -> "deploying the boundary to " + count + " account(s) (StackSet operation "
          + opId + ")";
      case "DELETE_INSTANCES" -> "releasing " + count + " account(s) that left the stage (StackSet operation "
          + opId + "; deletionPolicy decides whether their policy stays)";
      default -> "retrying " + count + " account(s) (StackSet operation " + opId + ")";
    };
  }
}
