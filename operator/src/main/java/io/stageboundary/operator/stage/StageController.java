package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BoundaryStackSets.OperationPreferences;
import io.stageboundary.operator.cdk.BootstrapTemplate;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.kube.StageAccountWriter;
import io.stageboundary.operator.organization.CredentialsUnavailable;
import io.stageboundary.operator.organization.OrganizationContext;
import io.stageboundary.operator.organization.Organizations;
import io.stageboundary.operator.organization.Readiness;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.CatalogueCheck;
import io.stageboundary.operator.policy.IamCatalogue;
import io.stageboundary.operator.policy.InvalidBoundaryException;
import io.stageboundary.operator.stage.approval.Approvals;
import io.stageboundary.operator.stage.approval.ExceptionApprovals;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.claims.Claiming;
import io.stageboundary.operator.stage.claims.StageClaims;
import io.stageboundary.operator.stage.enforcement.BoundaryVerifier;
import io.stageboundary.operator.stage.exceptions.Exceptions;
import io.stageboundary.operator.stage.guardrail.Guardrails;
import io.stageboundary.operator.stage.pass.Gate;
import io.stageboundary.operator.stage.pass.GuardrailObservation;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.rollout.InstanceListings;
import io.stageboundary.operator.stage.rollout.RolloutPlanner;
import io.stageboundary.operator.stage.rollout.StackSetOperations;
import io.stageboundary.operator.stage.status.StageMetrics;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What the operator does with a Stage, as a list of steps ({@link #reconcile}); each step is a
 * class of its own. Knows nothing of the Java Operator SDK: {@link StageReconciler} gathers the
 * inputs and writes the status, so these decisions are unit-tested over fakes of our ports.
 */
public final class StageController {
  private static final Logger LOG = Logger.getLogger(StageController.class);
  static final String STACKSET_PREFIX = "stage-boundary-";
  /** After an SCP write, the next pass comes this soon: it proves the guardrail in the accounts. */
  static final Duration GUARDRAIL_SETTLE = Duration.ofSeconds(5);

  /** What the controller works with; the application wires the real ones, tests fakes. */
  public record Parts(Organizations organizations, StageClaims claims, StageAccountWriter accounts, Events events,
      Schedule schedule, BootstrapRunner bootstrap, BoundaryVerifier verifier, StageMetrics metrics) {}

  private final Parts parts;
  private final Claiming claiming;
  private final StageObserver observer;
  private final AccountChecks accounts;
  private final StageActions actions;
  private final StageDeletion deletion;
  private final Guardrails guardrails;
  private final Approvals approvals;
  private final ExceptionApprovals exceptionApprovals;
  private final Exceptions exceptions;
  private final Map<String, Integer> transientFailures = new ConcurrentHashMap<>();

  StageController(Parts parts, Claiming claiming) {
    this.parts = parts;
    this.claiming = claiming;
    StackSetOperations operations = new StackSetOperations(parts.events(), parts.metrics(), parts.schedule());
    InstanceListings listings = new InstanceListings(parts.schedule());
    this.observer = new StageObserver(claiming, operations, listings, parts.schedule());
    this.accounts = new AccountChecks(parts.verifier(), parts.bootstrap(), parts.events(), parts.schedule());
    this.actions = new StageActions(operations, parts.bootstrap(), parts.accounts(), parts.events(), parts.schedule());
    this.guardrails = new Guardrails(parts.events());
    this.approvals = new Approvals(parts.bootstrap(), parts.events(), parts.schedule());
    this.exceptionApprovals = new ExceptionApprovals(parts.events(), parts.schedule());
    this.exceptions = new Exceptions(parts.events(), parts.schedule());
    this.deletion = new StageDeletion(parts.organizations(), operations, listings, parts.bootstrap(), guardrails,
        parts.events(), parts.schedule());
  }

  public static String stackSetName(String stage) {
    return STACKSET_PREFIX + stage;
  }

  /** One pass over a Stage; returns when to look again. The status builder collects what it found. */
  Duration reconcile(StageInputs in, StageStatusBuilder status) {
    Gate<BoundaryDocument> doc = render(in, status);                      // 1. validate and render, no AWS
    if (doc.stopped()) {
      return doc.stop();
    }
    Gate<OrganizationContext> org = connect(in, status);                  // 2. the organisation is Ready and reachable
    if (org.stopped()) {
      return org.stop();
    }
    Gate<Observation> seen = observer.observe(in, org.value(), status);   // 3. targets, claims, StackSet, membership
    if (seen.stopped()) {
      return seen.stop();
    }
    Gate<GuardrailObservation> scp = guardrails.observe(in, seen.value(), status); // 4. the guardrail SCP: rights, limits
    if (scp.stopped()) {
      return scp.stop();
    }
    Gate<Void> approved = approvals.check(in, doc.value(), seen.value(), scp.value(), status); // 5. approved, or a plan waits
    if (approved.stopped()) {
      return approved.stop();
    }
    Exceptions.Resolved lifts = exceptions.resolve(in, doc.value(), seen.value(), status, parts.metrics(), // 5b. exceptions
        (waiting, current) -> exceptionApprovals.approved(in, waiting, current, status));
    BoundaryDocument held = doc.value().withLifts(lifts.applied());      //     what each account holds with them
    RolloutPlanner.Step step = plan(in, held, seen.value(), lifts, status); // 6. the next StackSet step (pure)
    AccountChecks.Outcome work = accounts.check(in, held, seen.value(), scp.value(), lifts); // 7. each account
    report(in.stage(), seen.value(), scp.value(), work, status);          // 8. counts, conditions, metrics, events
    boolean guarding = guardrails.act(in, scp.value(), status);           // 9. the SCP's writes, if any
    Duration next = actions.act(in, step, held, seen.value(), work, status); // 10. the one next StackSet write
    next = untilExpiry(lifts, next);
    return guarding ? guardrailWritten(next, status) : next;
  }

  /** The next pass comes no later than the first granted exception's end: the boundary is restored then. */
  private Duration untilExpiry(Exceptions.Resolved lifts, Duration next) {
    return lifts.nextExpiry().map(t -> parts.schedule().until(t).plusMillis(100)).filter(d -> d.compareTo(next) < 0)
        .orElse(next);
  }

  /** An SCP write is work under way: the next pass soon proves it in the accounts. */
  private static Duration guardrailWritten(Duration next, StageStatusBuilder status) {
    status.progressing(ConditionReason.ApplyingGuardrail, "the service control policy was written; proving it in the accounts");
    return next.compareTo(GUARDRAIL_SETTLE) > 0 ? GUARDRAIL_SETTLE : next;
  }

  private Gate<BoundaryDocument> render(StageInputs in, StageStatusBuilder status) {
    StageSpec spec = in.stage().getSpec();
    String partition = BoundaryDocument.partitionOf(in.organization().map(o -> o.getSpec().region()).orElse(null));
    Gate<IncludedRules.Merged> merged = IncludedRules.merge(in, status);
    if (merged.stopped()) {
      claiming.publishNothing(in.stage());
      return Gate.stop(merged.stop());
    }
    StageSpec.Boundary boundary = merged.value().boundary();
    BoundaryDocument doc;
    try {
      doc = BoundaryDocument.render(in.name(), boundary, partition);
    } catch (InvalidBoundaryException e) {
      return stalled(in, status, ConditionReason.InvalidBoundary, "the boundary cannot be deployed: " + e.getMessage()
          + merged.value().hint());
    }
    status.includes(merged.value().included());
    try {
      CatalogueCheck.Coverage coverage = CatalogueCheck.check(boundary, IamCatalogue.pinned());
      status.coverage(new StageStatus.Coverage(coverage.catalogue(), coverage.actions()));
    } catch (InvalidBoundaryException e) {
      return stalled(in, status, ConditionReason.InvalidBoundary, "the boundary cannot be deployed: " + e.getMessage());
    }
    status.revision(doc.revision()).cdkContext(doc.cdkContext());
    BootstrapTemplate pinned = BootstrapTemplate.pinned();
    if (spec.bootstrapOrDefault().enabledOrDefault() && spec.bootstrapOrDefault().minimumVersionOrDefault() > pinned.version()) {
      return stalled(in, status, ConditionReason.InvalidBootstrap, "spec.bootstrap.minimumVersion "
          + spec.bootstrapOrDefault().minimumVersionOrDefault() + " is newer than the bootstrap template this "
          + "operator carries (version " + pinned.version() + ", aws-cdk " + pinned.awsCdkVersion()
          + "): lower it, or upgrade the operator");
    }
    return Gate.go(doc);
  }

  private Gate<OrganizationContext> connect(StageInputs in, StageStatusBuilder status) {
    if (in.organization().isEmpty()) {
      return stalled(in, status, ConditionReason.OrganizationNotFound, "AwsOrganization '"
          + in.stage().getSpec().organizationRef().name() + "' does not exist: create it or fix spec.organizationRef.name");
    }
    AwsOrganization org = in.organization().get();
    if (!Readiness.ready(org)) {
      status.progressing(ConditionReason.WaitingForOrganization, "AwsOrganization '" + org.getMetadata().getName()
          + "' is not Ready yet" + Readiness.readyMessage(org).map(m -> ": " + m).orElse(""));
      return Gate.stop(Duration.ofSeconds(15));
    }
    try {
      return Gate.go(parts.organizations().get(org));
    } catch (CredentialsUnavailable e) {
      status.stalled(ConditionReason.CredentialsUnavailable, e.getMessage());
      return Gate.stop(parts.schedule().resyncInterval());
    }
  }

  /** The manifest cannot be acted on: it claims no accounts, writes nothing, and says what to change. */
  private <T> Gate<T> stalled(StageInputs in, StageStatusBuilder status, ConditionReason reason, String message) {
    claiming.publishNothing(in.stage());
    status.stalled(reason, message);
    return Gate.stop(parts.schedule().resyncInterval());
  }

  private RolloutPlanner.Step plan(StageInputs in, BoundaryDocument doc, Observation seen, Exceptions.Resolved lifts,
      StageStatusBuilder status) {
    // accounts whose policy the stage took over are the operator's to keep, not the StackSet's
    java.util.Set<String> adopted = Adoption.accounts(in, doc, seen);
    java.util.Set<String> held = new java.util.HashSet<>(seen.held());
    held.addAll(adopted);
    RolloutPlanner.Step step = RolloutPlanner.next(doc, seen.stackSet(), seen.instances(),
        Adoption.deployTo(seen, adopted), held, seen.parents());
    if (step instanceof RolloutPlanner.Converged && !in.stage().getSpec().suspended()) {
      // every instance holds the template: bring each account's lifted statements to what is granted
      var override = lifts.step(Adoption.deployTo(seen, adopted), seen.instancesByAccount(), parts.schedule().now());
      if (override.isPresent()) {
        return override.get();
      }
    }
    if (step instanceof RolloutPlanner.Converged && seen.stackSet().isPresent() && !seen.detectionRunning()
        && StackSetOperations.driftDetectionDue(status, seen.instances().size(),
            in.stage().getSpec().driftCheckIntervalOrDefault(), parts.schedule().now())) {
      return new RolloutPlanner.DetectDrift();
    }
    return step;
  }

  private void report(Stage stage, Observation seen, GuardrailObservation scp, AccountChecks.Outcome work,
      StageStatusBuilder status) {
    StageSpec spec = stage.getSpec();
    AccountView view = work.view();
    accounts.reportDrift(stage, work, parts.metrics());
    var enforcement = view.enforcement();
    status.counts(view.states().values(), seen.conflicts().size(), view.bootstrapped(), view.drifted(),
        (int) enforcement.values().stream().filter(e -> e.failed() == 0).count(), view.blockedBy());
    status.boundaryDeployed();
    status.bootstrapped(spec.bootstrapOrDefault().enabledOrDefault(), view.bootstrapStates());
    Map<String, Integer> drift = new java.util.TreeMap<>(view.driftReasons());
    scp.drift().values().forEach(r -> drift.merge(r.name(), 1, Integer::sum));
    scp.drift().values().forEach(r -> parts.metrics().driftDetected(stage, r));
    status.inSync(drift, spec.remediatesDrift());
    status.enforced(spec.bootstrapOrDefault().enabledOrDefault(), enforcement);
    status.guarded(scp, spec.bootstrapOrDefault().enabledOrDefault(), enforcement);
    parts.metrics().report(stage, view.states(), view.bootstrapStates());
    parts.metrics().blocked(stage, view.leftAloneBy());
    parts.metrics().probes(stage, enforcement.values());
  }

  /** Deleting a Stage: empty when the finalizer may go, else when to look again. */
  Optional<Duration> cleanup(StageInputs in, StageStatusBuilder status) {
    claiming.remove(in.name());
    parts.metrics().forget(in.name());
    if (in.stage().getSpec().deletionPolicyOrDefault() == StageSpec.DeletionPolicy.Retain) {
      parts.accounts().deleteAll(in.name());
      parts.events().normal(in.stage(), EventReason.Retained, "deletionPolicy is Retain: the StackSet "
          + stackSetName(in.name()) + " and every boundary policy stay in AWS");
      return Optional.empty();
    }
    Optional<Duration> wait = deletion.step(in, status);
    if (wait.isEmpty()) {
      parts.accounts().deleteAll(in.name());
    }
    return wait;
  }

  /** A pass ended without an exception: the next failure counts from one again. */
  void succeeded(String stage) {
    transientFailures.remove(stage);
  }

  /** Busy and throttled is a reschedule; refused needs a human (Stalled, with the reason). */
  Duration onAwsFailure(Stage stage, StageStatusBuilder status, AwsFailure f) {
    String name = stage.getMetadata().getName();
    int n = transientFailures.merge(name, 1, Integer::sum);
    LOG.infof("stage %s: %s (%s, %d in a row)", name, f.getMessage(), f.kind(), n);
    switch (f.kind()) {
      case BUSY -> {
        status.progressing(ConditionReason.StackSetBusy, "another operation is running on the StackSet; waiting ("
            + f.getMessage() + ")");
        return Duration.ofSeconds(10);
      }
      case THROTTLED, UNAVAILABLE -> {
        Duration wait = parts.schedule().backoff(n - 1);
        status.progressing(f.kind() == AwsFailure.Kind.THROTTLED ? ConditionReason.AwsThrottled : ConditionReason.AwsUnavailable,
            f.getMessage() + "; trying again in " + wait.toSeconds() + "s");
        return wait;
      }
      case ACCESS_DENIED -> {
        parts.events().warning(stage, EventReason.AwsAccessDenied, f.getMessage());
        status.stalled(ConditionReason.AwsAccessDenied, f.getMessage()
            + ": check the operator's IAM permissions and the AwsOrganization credentials");
        return Duration.ofMinutes(5);
      }
      default -> {
        parts.events().warning(stage, EventReason.AwsRequestFailed, f.getMessage());
        status.stalled(ConditionReason.AwsRequestFailed, f.getMessage());
        return Duration.ofMinutes(5);
      }
    }
  }

  static OperationPreferences preferences(StageSpec spec) {
    StageSpec.Rollout r = spec.rolloutOrDefault();
    return new OperationPreferences(r.maxConcurrentPercentageOrDefault(), r.failureTolerancePercentageOrDefault(),
        r.regionConcurrencyOrDefault() == StageSpec.Rollout.RegionConcurrency.Parallel);
  }
}
