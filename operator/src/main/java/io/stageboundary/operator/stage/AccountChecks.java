package io.stageboundary.operator.stage;

import com.fasterxml.jackson.databind.JsonNode;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.aws.ServiceControlPolicies;
import io.stageboundary.operator.cdk.BootstrapPlanner;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.BoundaryTemplate;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.operator.policy.EnforcementProbes;
import io.stageboundary.operator.policy.IamCatalogue;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.bootstrap.WriteMode;
import io.stageboundary.operator.stage.enforcement.BoundaryVerifier;
import io.stageboundary.operator.stage.enforcement.ChecksAtRest;
import io.stageboundary.operator.stage.enforcement.ProbePlan;
import io.stageboundary.operator.stage.exceptions.Exceptions;
import io.stageboundary.operator.stage.pass.BlockedReason;
import io.stageboundary.operator.stage.pass.DriftReason;
import io.stageboundary.operator.stage.pass.GuardrailObservation;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.pass.Text;
import io.stageboundary.operator.stage.status.StageMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * What each account really holds: the StackSet's view of it, then the direct checks in the
 * account (the boundary policy's document, and the CDK bootstrap stack in every region, brought to
 * carry the boundary). Per-account repairs under driftRemediation Reconcile happen here, bounded
 * per pass; StackSet operations do not (see {@link StackSetOperations}).
 */
final class AccountChecks {
  private static final Logger LOG = Logger.getLogger(AccountChecks.class);
  private final BoundaryVerifier verifier;
  private final BootstrapRunner bootstrap;
  private final Events events;
  private final Schedule schedule;
  private final Adoption adoption;

  AccountChecks(BoundaryVerifier verifier, BootstrapRunner bootstrap, Events events, Schedule schedule) {
    this.verifier = verifier;
    this.bootstrap = bootstrap;
    this.events = events;
    this.schedule = schedule;
    this.adoption = new Adoption(verifier, events);
  }

  /**
   * Every account's view, the drift found and repaired, and whether work is left for another pass;
   * {@code waitUntil} is when, if all that is left is waiting for bootstrap stacks in flight.
   */
  record Outcome(AccountView view, Map<String, DriftReason> drifted, List<String> repaired, boolean moreWork,
      Optional<Instant> waitUntil, Optional<Instant> blockedRetry) {}

  Outcome check(StageInputs in, BoundaryDocument doc, Observation seen, GuardrailObservation guardrail,
      Exceptions.Resolved lifts) {
    Stage stage = in.stage();
    StageSpec spec = stage.getSpec();
    boolean remediate = spec.remediatesDrift() && !spec.suspended();
    OrganizationAws aws = seen.organization().aws();
    String deployed = seen.stackSet().flatMap(s -> BoundaryTemplate.revisionOf(s.templateBody())).orElse(null);
    AccountView view = AccountView.of(stage, doc.revision(), deployed, seen.instancesByAccount(), seen.deployTo(),
        seen.conflicts(), seen.snapshot()).withMembershipDrift(stage, seen.joined(), seen.left(), seen.snapshot());
    Map<String, StageAccountStatus.Boundary> previous = in.lastReported(StageAccountStatus::boundary);
    // an account whose lifted statements changed holds another document now: what it said before is
    // no longer fresh, so it is read again at once
    Map<String, StageAccountStatus.Boundary> known = new HashMap<>(previous);
    known.keySet().removeAll(lifts.changed());
    // an account's checks at rest keep together (ChecksAtRest): the policy's with the roles' as last reported
    Map<String, List<RegionBootstrap>> pairsBefore = spec.bootstrapOrDefault().enabledOrDefault()
        ? in.lastReported(StageAccountStatus::bootstrap) : Map.of();
    // and with the member session while it lasts: passes at rest come a resync apart at the latest
    Set<String> sessionsEnding = ChecksAtRest.sessionsEnding(view.states().keySet(),
        aws::sessionReusableUntil, schedule.now(), schedule.resyncInterval());
    BoundaryVerifier.Outcome verified = verifier.verify(doc, view.accountsIn(State.CURRENT), known,
        spec.driftCheckIntervalOrDefault(), flaggedByDriftDetection(seen, previous), pairsBefore, sessionsEnding,
        remediate, aws::policies);
    Set<String> adopted = Adoption.accounts(in, doc, seen);
    verified = verified.with(adoption.takeOver(in, doc, adopted, previous, pairsBefore, sessionsEnding,
        remediate, aws));
    view = view.withBoundaries(verified.boundaries());
    Map<String, StageAccountStatus.Blocked> blocked = blocked(in, verified.unreachable());
    failedInstances(doc, seen).forEach((account, b) -> {
      if (!adopted.contains(account)) {
        blocked.putIfAbsent(account, b);
      }
    });
    Map<String, DriftReason> drifted = new LinkedHashMap<>(verified.detected());
    List<String> repaired = new ArrayList<>(verified.repaired());
    boolean more = verified.moreWork();
    Optional<Instant> waitUntil = Optional.empty();
    if (spec.bootstrapOrDefault().enabledOrDefault()) {
      BootstrapRunner.Outcome boot = bootstrap(in, doc, view, seen, guardrail, remediate,
          holdsRevision(doc, verified.boundaries()), blocked, pairsBefore, verified.boundaries(), sessionsEnding);
      view = view.withBootstrap(boot.reports());
      drifted.putAll(boot.drifted());
      repaired.addAll(boot.repaired());
      waitUntil = more ? Optional.empty() : boot.nextLook();
      more |= boot.moreWork();
    }
    Optional<Instant> blockedRetry = verified.unreachable().values().stream()
        .map(BoundaryVerifier.Unreachable::retryAt).min(Instant::compareTo);
    view = view.withBlocked(blocked).withSuspended(stage, seen.suspended(), seen.snapshot(), previous)
        .withExceptions(lifts.inForce());
    return new Outcome(view, drifted, repaired, more, waitUntil, blockedRetry);
  }

  /**
   * The accounts to leave alone, and why: those whose member role STS refused. Nothing else is asked
   * of them this pass; the member session retries the role after its own backoff.
   */
  private static Map<String, StageAccountStatus.Blocked> blocked(StageInputs in,
      Map<String, BoundaryVerifier.Unreachable> unreachable) {
    String role = in.organization().map(o -> o.getSpec().memberRoleNameOrDefault()).orElse("the member role");
    Map<String, StageAccountStatus.Blocked> out = new TreeMap<>();
    unreachable.forEach((account, u) -> out.put(account, new StageAccountStatus.Blocked(
        BlockedReason.MemberRoleMissing.name(), "the operator cannot assume its member role " + role + " in this "
        + "account: it does not exist here, or its trust policy does not name the operator's role (" + u.refused()
        + "). Deploy it as docs/iam describes (member-role-trust-policy.json, member-role-policy.json); the "
        + "account is picked up by itself once the role is there, the rest of the stage goes on meanwhile")));
    return out;
  }

  /**
   * The accounts whose StackSet instance failed (tried and refused, not merely cancelled behind
   * another account's failure): each is retried alone with a backoff ({@code RolloutPlanner}), and
   * says why meanwhile. A policy name taken in the account is told apart, with its ARN and remedies.
   */
  static Map<String, StageAccountStatus.Blocked> failedInstances(BoundaryDocument doc, Observation seen) {
    Map<String, StageAccountStatus.Blocked> out = new TreeMap<>();
    seen.instancesByAccount().forEach((account, i) -> {
      if (!seen.deployTo().containsKey(account) || !i.failed()) {
        return;
      }
      String reason = i.statusReason() == null ? "no reason given" : i.statusReason();
      if (Adoption.takenName(reason, doc.policyName())) {
        out.put(account, new StageAccountStatus.Blocked(BlockedReason.PolicyNameTaken.name(), "a policy named "
            + doc.policyName() + " already exists in this account (" + doc.policyArn(account) + "), made outside "
            + "this stage's StackSet (by hand, or by another stack), so CloudFormation cannot create the stage's: "
            + "set spec.boundary.adoptExisting to take it over, delete or rename that policy once nothing uses it as "
            + "a boundary, or give the stage another spec.boundary.policyName. The account is retried by itself with a backoff; the rest of the stage "
            + "goes on meanwhile (" + reason + ")"));
      } else {
        out.put(account, new StageAccountStatus.Blocked(BlockedReason.StackInstanceFailed.name(), "the StackSet "
            + "could not deploy the boundary here: " + reason + ". The account is retried by itself with a backoff; "
            + "the rest of the stage goes on meanwhile"));
      }
    });
    return out;
  }

  /** Instances StackSet drift detection flagged since the account was last checked directly. */
  private static Set<String> flaggedByDriftDetection(Observation seen, Map<String, StageAccountStatus.Boundary> previous) {
    Instant detection = seen.stackSet().map(s -> s.lastDriftCheck()).orElse(null);
    return seen.instances().stream().filter(InstanceView::drifted).map(InstanceView::accountId)
        .filter(a -> detection == null || previous.get(a) == null || previous.get(a).lastChecked() == null
            || Instant.parse(previous.get(a).lastChecked()).isBefore(detection))
        .collect(Collectors.toSet());
  }

  private BootstrapRunner.Outcome bootstrap(StageInputs in, BoundaryDocument doc, AccountView view,
      Observation seen, GuardrailObservation guardrail, boolean remediate, Set<String> holding,
      Map<String, StageAccountStatus.Blocked> blocked, Map<String, List<RegionBootstrap>> pairsBefore,
      Map<String, StageAccountStatus.Boundary> policies, Set<String> sessionsEnding) {
    Stage stage = in.stage();
    StageSpec spec = stage.getSpec();
    StageSpec.Bootstrap b = spec.bootstrapOrDefault();
    Map<String, InstanceView> instances = seen.instancesByAccount();
    List<String> ready = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    view.states().forEach((account, state) -> {
      if (state == State.CONFLICT || seen.held().contains(account) || blocked.containsKey(account)) {
        return;
      }
      InstanceView i = instances.get(account);
      // the policy exists once its instance has succeeded at least at an older revision
      boolean policyExists = state == State.CURRENT || (i != null && i.current());
      (policyExists ? ready : waiting).add(account);
    });
    BootstrapPlanner.Want want = BootstrapRunner.want(spec, doc);
    OrganizationAws aws = seen.organization().aws();
    BootstrapRunner.Request request = new BootstrapRunner.Request(stage.getMetadata().getUid(), want,
        (account, region) -> doc.policyArn(account), BootstrapRunner.Reach.of(in.regions(), aws),
        spec.driftCheckIntervalOrDefault(), WriteMode.of(spec.suspended(), remediate),
        probePlan(in, doc, guardrail, holding), b.stackCheckIntervalOrDefault());
    BootstrapRunner.Outcome out = bootstrap.run(request, new BootstrapRunner.Accounts(ready, waiting,
        seen.held().stream().filter(a -> view.states().get(a) == State.CONFLICT).toList(),
        pairsBefore, blocked.keySet(), policies, sessionsEnding));
    if (!out.written().isEmpty()) {
      String msg = "updated the CDK bootstrap stack " + b.stackNameOrDefault() + " in "
          + out.written().size() + " account/region pair(s): " + Text.abbreviate(out.written(), 10);
      events.normal(stage, EventReason.BootstrapUpdated, msg);
      LOG.infof("stage %s: %s", in.name(), msg);
    }
    if (!out.failures().isEmpty()) {
      events.warning(stage, EventReason.BootstrapFailed, out.failures().size()
          + " bootstrap stack(s) need attention: " + Text.abbreviate(out.failures(), 3));
    }
    return out;
  }


  /**
   * Accounts whose policy was read back at the stage's revision in this pass or within the drift
   * interval (held as rendered, or drifted from it by someone's change): a proof of that revision
   * means something there. Elsewhere the rollout is still on its way.
   */
  private static Set<String> holdsRevision(BoundaryDocument doc, Map<String, StageAccountStatus.Boundary> verified) {
    Set<String> out = new HashSet<>();
    verified.forEach((account, b) -> {
      if (doc.revision().equals(b.revision()) && (b.state() == State.CURRENT || b.state() == State.DRIFTED)) {
        out.add(account);
      }
    });
    return out;
  }

  /**
   * The probes for each account: the boundary's, and the guardrail's where the stage's current SCP
   * applies. The fingerprint names what they depend on, so a change of any asks IAM again at once;
   * an account whose policy does not hold the revision yet is not asked ({@link ProbePlan.Probing#NOT_YET}).
   */
  private static Function<String, ProbePlan> probePlan(StageInputs in,
      BoundaryDocument doc, GuardrailObservation guardrail, Set<String> holding) {
    StageSpec spec = in.stage().getSpec();
    String memberRole = in.organization().map(o -> o.getSpec().memberRoleNameOrDefault()).orElse(null);
    String base = CanonicalPolicy.hash(doc.revision() + "|" + spec.targets().regions()
        + "|" + (spec.verification() == null ? "" : String.valueOf(spec.verification().probes()))
        + "|" + spec.bootstrapOrDefault().applyToAllRolesOrDefault());
    String guarded = guardrail.enabled() ? CanonicalPolicy.hash(base + "|" + guardrail.desired().revision()) : base;
    Predicate<String> coverage = guardrail.coverage();
    Duration reproveAfter = spec.reproveAfterOrDefault();
    // the SCP as read from Organizations in this pass, parsed once; it applies where coverage says so
    Optional<ServiceControlPolicies.Scp> scp = guardrail.enabled() ? guardrail.actual() : Optional.empty();
    Optional<JsonNode> readBack = scp.map(p -> CanonicalPolicy.parse(p.content()));
    return account -> {
      boolean covered = coverage.test(account);
      // statements an exception lifts here are proven lifted, so a change of them asks IAM again at once
      String lifted = doc.liftsIn(account).isEmpty() ? "" : "|lifted " + doc.liftsIn(account);
      ProbePlan plan = new ProbePlan(lifted.isEmpty() ? (covered ? guarded : base)
          : CanonicalPolicy.hash((covered ? guarded : base) + lifted), doc.revision(),
          () -> EnforcementProbes.of(doc, spec, account, IamCatalogue.pinned(), covered ? memberRole : null),
          ProbePlan.Probing.WHEN_CHECKED, action -> doc.denyingStatements(action, doc.liftsIn(account)),
          covered && readBack.isPresent() ? new ProbePlan.ReadBack(scp.get().id(), readBack.get(), account,
              doc.policyArn(account).split(":")[1]) : null, reproveAfter);
      return holding.contains(account) ? plan : plan.notYet();
    };
  }

  /** Per-account drift as events and metrics: what was repaired, and what is left as it is. */
  void reportDrift(Stage stage, Outcome outcome, StageMetrics metrics) {
    outcome.drifted().values().forEach(reason -> metrics.driftDetected(stage, reason));
    if (!outcome.repaired().isEmpty()) {
      String msg = "repaired drift in " + outcome.repaired().size() + " place(s): "
          + Text.abbreviate(outcome.repaired(), 10);
      events.normal(stage, EventReason.DriftRepaired, msg);
      LOG.infof("stage %s: %s", stage.getMetadata().getName(), msg);
    }
    List<String> contested = outcome.drifted().entrySet().stream()
        .filter(e -> e.getValue() == DriftReason.ContestedByAnotherWriter).map(Map.Entry::getKey).toList();
    if (!contested.isEmpty()) {
      events.warning(stage, EventReason.ContestedByAnotherWriter, "stopped writing " + contested.size()
          + " resource(s) that someone else keeps changing back: " + Text.abbreviate(contested, 10)
          + " (see their StageAccounts)");
    }
    if (outcome.drifted().size() > outcome.repaired().size()) {
      List<String> open = outcome.drifted().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
      events.warning(stage, EventReason.DriftDetected, "drift in " + open.size() + " place(s): "
          + Text.abbreviate(open, 10) + (stage.getSpec().remediatesDrift() ? "" : " (driftRemediation is Report: not changed)"));
    }
  }
}
