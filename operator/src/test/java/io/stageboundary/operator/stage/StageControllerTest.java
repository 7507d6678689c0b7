package io.stageboundary.operator.stage;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stageboundary.operator.MutableClock;
import io.stageboundary.operator.api.v1alpha1.Condition;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationStatus;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.kube.StageAccountWriter;
import io.stageboundary.operator.organization.OrganizationContext;
import io.stageboundary.operator.organization.Organizations;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.claims.Claiming;
import io.stageboundary.operator.stage.claims.StageClaims;
import io.stageboundary.operator.stage.enforcement.BoundaryVerifier;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.status.StageMetrics;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Stage controller's decisions over {@link InMemoryAws} and small fakes of the Kubernetes side:
 * what it writes, in which order, and what it reports, in milliseconds. The same behaviours run
 * end to end against kube-apiserver and the AWS emulator in the e2e tests.
 */
class StageControllerTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<io.stageboundary.operator.api.v1alpha1.exception.BoundaryException> exceptions = new ArrayList<>();
  private static final String OU = "ou-test-dev00001";
  private static final String A1 = "200000000001";
  private static final String A2 = "200000000002";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final Schedule schedule = new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30), clock);
  private final InMemoryAws aws = new InMemoryAws(clock).ou(OU, "r-root").account(A1, OU).account(A2, OU);
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final RecordedEvents events = new RecordedEvents();
  private final RecordedAccounts accounts = new RecordedAccounts();
  private final List<StageStatus> writtenAhead = new ArrayList<>();
  private final StageClaims claims = new StageClaims();
  private final StageController controller = controller();
  private final AwsOrganization org = organization();

  private StageController controller() {
    OrganizationContext context = new OrganizationContext("test", aws, Duration.ofMinutes(5), clock);
    Organizations organizations = new Organizations() {
      @Override
      public OrganizationContext get(AwsOrganization o) {
        return context;
      }

      @Override
      public void forget(String name) {
      }
    };
    return new StageController(new StageController.Parts(organizations, claims, accounts, events, schedule,
        new BootstrapRunner(pool, 2, 100, schedule), new BoundaryVerifier(pool, 2, schedule),
        new StageMetrics(registry)), new Claiming(claims, stages -> { }));
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  // --- decisions ---------------------------------------------------------------------------

  @Test
  void createsTheStackSetThenDeploysToEveryTargetedAccountRecordingTheIdFirst() {
    Stage dev = stage("dev", "developer-policy-dev", "");
    pass(dev);
    assertThat(aws.writes).containsExactly("CreateStackSet stage-boundary-dev");
    assertThat(events.reasons()).contains(EventReason.StackSetCreated);

    pass(dev);
    StageStatus.Operation op = dev.getStatus().stackSet().lastOperation();
    assertThat(op.action()).isEqualTo("CREATE_INSTANCES");
    assertThat(op.accounts()).isEqualTo(2);
    assertThat(aws.writesOf("CREATE")).containsExactly("CREATE " + op.id());
    assertThat(writtenAhead).as("the id reached the cluster before the request reached AWS")
        .anySatisfy(s -> assertThat(s.stackSet().lastOperation().id()).isEqualTo(op.id()));
    assertThat(writtenAhead.get(writtenAhead.size() - 1).stackSet().lastOperation().status()).isEqualTo("REQUESTED");
    assertThat(condition(dev, "Reconciling").getReason()).isEqualTo("OperationRunning");
  }

  @Test
  void waitsWhileAnOperationRunsAndWritesNothing() {
    Stage dev = stage("dev", "developer-policy-dev", "");
    pass(dev);
    pass(dev);
    int before = aws.writes.size();
    Duration next = pass(dev);
    assertThat(aws.writes).hasSize(before);
    assertThat(next).isEqualTo(schedule.pollInterval());
    assertThat(condition(dev, "Reconciling").getReason()).isEqualTo("OperationRunning");
  }

  @Test
  void convergesReadyAndANoOpPassWritesNothing() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    assertThat(condition(dev, "Ready").getStatus()).isEqualTo("True");
    assertThat(dev.getStatus().accounts().boundaryCurrent()).isEqualTo(2);
    int before = aws.writes.size();
    pass(dev);
    assertThat(aws.writes).as("no-op resync").hasSize(before);
  }

  /**
   * At rest the instances are listed again when the stage's accounts change (automatic deployment
   * follows them) or a drift check interval later, not every resync: a stage of 1,000 accounts
   * lists 20 pages.
   */
  @Test
  void instancesAreListedAgainOnlyAfterAnOperationEndsTheAccountsChangeOrADriftCheckInterval() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    pass(dev);  // sees the first drift detection end
    int listed = aws.instanceListings.get();
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMinutes(1));
      pass(dev);
    }
    assertThat(aws.instanceListings.get()).as("passes with no operation in between").isEqualTo(listed);
    clock.advance(schedule.resyncInterval());
    pass(dev);
    assertThat(aws.instanceListings.get()).as("a resync interval later").isEqualTo(listed);

    aws.account("200000000099", OU);
    clock.advance(Duration.ofMinutes(30));  // the organisation's refresh interval: the new account is seen
    pass(dev);
    assertThat(aws.instanceListings.get()).as("the stage's accounts changed").isEqualTo(listed + 1);
    clock.advance(Duration.ofMinutes(10));
    pass(dev);
    assertThat(aws.instanceListings.get()).as("nothing changed since").isEqualTo(listed + 1);

    respec(dev, "developer-policy-dev", "", DENY_CLOUDTRAIL, TARGET_OU);
    pass(dev);
    aws.finish();
    int beforeEnd = aws.instanceListings.get();
    pass(dev);
    assertThat(aws.instanceListings.get()).as("the update ended").isEqualTo(beforeEnd + 1);
  }

  /** Someone else's change to the instances is seen within the drift check interval. */
  @Test
  void instancesAreListedAgainADriftCheckIntervalLater() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    pass(dev);
    int listed = aws.instanceListings.get();
    for (int i = 0; i < 6; i++) {
      clock.advance(Duration.ofMinutes(10));
      pass(dev);
      aws.finish();  // a drift detection the hour starts ends at once
    }
    assertThat(aws.instanceListings.get()).as("an hour of resyncs").isBetween(listed + 1, listed + 2);
  }

  /**
   * While a StackSet operation rolls, the accounts a round has finished are bootstrapped pass after
   * pass, not once per look at the operation; the instances are listed only as often as the
   * operation is looked at.
   */
  @Test
  void whileAnOperationRollsBootstrapWorkLeftComesBeforeTheNextLookAtIt() {
    for (int i = 1; i <= 20; i++) {
      String account = String.format("2000000000%02d", i);
      aws.account(account, OU).bootstrapped(account, InMemoryAws.REGION, "");
    }
    Stage dev = stage("dev", "developer-policy-dev", "");
    pass(dev);
    pass(dev);  // starts CREATE_INSTANCES; the emulated instances are current at once, the operation runs on
    assertThat(dev.getStatus().stackSet().lastOperation().status()).isIn("REQUESTED", "RUNNING");
    clock.advance(Duration.ofSeconds(80));  // a look at the operation every 10 s now (an eighth of its age)
    Duration next = pass(dev);
    assertThat(dev.getStatus().stackSet().lastOperation().status()).isEqualTo("RUNNING");
    assertThat(aws.writesOf("UpdateStack")).as("a batch of the finished accounts' stacks").hasSize(16);
    assertThat(next).as("work left: the poll interval, not the look").isEqualTo(schedule.pollInterval());
    int listed = aws.instanceListings.get();
    clock.advance(next);
    pass(dev);
    assertThat(aws.writesOf("UpdateStack")).as("the rest").hasSize(20);
    assertThat(aws.instanceListings.get()).as("5 s after the last listing: not listed again").isEqualTo(listed);
    clock.advance(Duration.ofSeconds(10));
    pass(dev);
    assertThat(aws.instanceListings.get()).as("a look later: listed again").isEqualTo(listed + 1);
  }

  /**
   * Right after a rollout that wrote every instance, each stack was just made from the template and
   * each account checked directly: StackSet drift detection comes an interval later, not at once,
   * so it does not hold the StackSet's one operation slot when the next change comes.
   */
  @Test
  void stackSetDriftDetectionRunsAnIntervalAfterARolloutThatWroteEveryInstance() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofMinutes(10));
      pass(dev);
    }
    assertThat(aws.writesOf("DETECT_DRIFT")).as("30 minutes after the rollout").isEmpty();
    respec(dev, "developer-policy-dev", "", DENY_CLOUDTRAIL, TARGET_OU);
    pass(dev);
    assertThat(aws.writesOf("UPDATE")).as("a change starts at once").hasSize(1);
    aws.finish();
    pass(dev);  // sees the update end
    assertThat(dev.getStatus().stackSet().lastOperation().status()).isEqualTo("SUCCEEDED");
    clock.advance(Duration.ofMinutes(50));
    pass(dev);
    assertThat(aws.writesOf("DETECT_DRIFT")).as("50 minutes after the update").isEmpty();
    clock.advance(Duration.ofMinutes(11));
    pass(dev);
    assertThat(aws.writesOf("DETECT_DRIFT")).as("an interval after the update").hasSize(1);
  }

  @Test
  void aChangeStopsTheDriftDetectionHoldingTheStackSetInsteadOfWaitingForItsRounds() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    clock.advance(Duration.ofMinutes(61));
    pass(dev);
    StageStatus.Operation detection = dev.getStatus().stackSet().lastOperation();
    assertThat(detection.action()).isEqualTo("DETECT_DRIFT");
    assertThat(detection.status()).isEqualTo("RUNNING");

    respec(dev, "developer-policy-dev", "", DENY_CLOUDTRAIL, TARGET_OU);
    pass(dev);
    assertThat(aws.writesOf("StopStackSetOperation")).containsExactly("StopStackSetOperation " + detection.id());
    assertThat(aws.writesOf("UPDATE")).as("one operation at a time: the update follows the stop").isEmpty();
    assertThat(events.reasons()).contains(EventReason.OperationStopped);
    assertThat(condition(dev, "Reconciling").getReason()).isEqualTo("WaitingForDriftDetection");
    pass(dev);
    assertThat(aws.writesOf("StopStackSetOperation")).as("asked once").hasSize(1);

    aws.finish();  // StackSets ends it STOPPED
    pass(dev);
    assertThat(aws.writesOf("UPDATE")).hasSize(1);
  }

  @Test
  void aBoundaryChangeRollsOutOneTemplateUpdate() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    String before = dev.getStatus().revision();
    respec(dev, "developer-policy-dev", "", DENY_CLOUDTRAIL, TARGET_OU);
    pass(dev);
    assertThat(dev.getStatus().revision()).isNotEqualTo(before);
    assertThat(dev.getStatus().stackSet().lastOperation().action()).isEqualTo("UPDATE");
    assertThat(aws.writesOf("UPDATE")).hasSize(1);
  }

  @Test
  void aNewAccountInTheOuIsReportedUnderReportAndDeployedUnderReconcile() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    aws.account("200000000003", OU);
    clock.advance(Duration.ofMinutes(6));  // the organisation snapshot is read again
    pass(dev);
    assertThat(accounts.desired.get("200000000003").status().boundary().driftReason()).isEqualTo("JoinedAfterRollout");
    assertThat(aws.writesOf("CREATE")).hasSize(1);

    respec(dev, "developer-policy-dev", "driftRemediation: Reconcile", "", TARGET_OU);
    pass(dev);
    assertThat(aws.writesOf("CREATE")).as("the new account is deployed").hasSize(2);
  }

  @Test
  void anExcludedAccountIsReleasedWithItsPolicyRetained() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    respec(dev, "developer-policy-dev", "", "", "{organizationalUnits: [" + OU + "], excludeAccounts: [" + A2
        + "], regions: [us-east-1]}");
    pass(dev);
    StageStatus.Operation op = dev.getStatus().stackSet().lastOperation();
    assertThat(op.action()).isEqualTo("DELETE_INSTANCES");
    assertThat(op.accounts()).isEqualTo(1);
    assertThat(aws.policies.get(A2)).as("Retain keeps the policy").isNotEmpty();
  }

  @Test
  void aBusyStackSetIsARescheduleNotAnError() {
    Stage dev = stage("dev", "developer-policy-dev", "");
    pass(dev);
    aws.refuseStackSetWrites = AwsFailure.Kind.BUSY;
    Duration next = pass(dev);
    assertThat(next).isEqualTo(Duration.ofSeconds(10));
    assertThat(condition(dev, "Reconciling").getReason()).isEqualTo("StackSetBusy");
    assertThat(condition(dev, "Stalled").getStatus()).isEqualTo("False");
  }

  @Test
  void aRestartBeforeTheRequestReachedAwsSendsTheSameIdAgain() {
    Stage dev = stage("dev", "developer-policy-dev", "");
    pass(dev);
    aws.refuseStackSetWrites = AwsFailure.Kind.UNAVAILABLE;
    pass(dev);  // the id is in status as REQUESTED, AWS never got it
    String recorded = writtenAhead.get(writtenAhead.size() - 1).stackSet().lastOperation().id();
    dev.setStatus(writtenAhead.get(writtenAhead.size() - 1));
    aws.refuseStackSetWrites = null;
    pass(dev);
    assertThat(aws.writesOf("CREATE")).containsExactly("CREATE " + recorded);
  }

  @Test
  void twoStagesClaimingOneAccountLeaveItAlone() {
    Stage dev = stage("dev", "developer-policy-dev", "");
    Stage other = claimingA1("other");
    Map<String, Long> peers = Map.of("dev", 1L, "other", 1L);
    pass(other, peers);
    pass(dev, peers);
    pass(other, peers);
    assertThat(condition(dev, "Conflict").getStatus()).isEqualTo("True");
    assertThat(condition(other, "Conflict").getStatus()).isEqualTo("True");
    pass(dev, peers);
    assertThat(aws.stackSets.get("stage-boundary-dev").operations).hasSize(1);
    assertThat(dev.getStatus().stackSet().lastOperation().accounts()).as("only the unclaimed account").isEqualTo(1);
    assertThat(aws.stackSets).as("a stage with every account held creates nothing").doesNotContainKey("stage-boundary-other");
  }

  @Test
  void anAccountAConflictHeldBackIsDeployedWhenTheConflictEndsNotReportedAsJoined() {
    Stage dev = stage("dev", "developer-policy-dev", "");
    Stage other = claimingA1("other");
    Map<String, Long> peers = Map.of("dev", 1L, "other", 1L);
    pass(other, peers);
    for (int i = 0; i < 6; i++) {
      pass(dev, peers);
      aws.finish();
    }
    assertThat(accounts.desired.get(A1).status().boundary().state()).isEqualTo(State.CONFLICT);
    assertThat(aws.stackSets.get("stage-boundary-dev").instances).containsOnlyKeys(A2);

    assertThat(cleanup(other)).isEmpty();  // the other Stage is deleted (Retain)
    pass(dev);
    assertThat(accounts.desired.get(A1).status().boundary().driftReason()).as("not JoinedAfterRollout").isNull();
    converged(dev);
    assertThat(aws.stackSets.get("stage-boundary-dev").instances).containsOnlyKeys(A1, A2);
  }

  @Test
  void anEditedPolicyIsReportedUnderReportAndRestoredUnderReconcile() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    aws.policies.get(A1).replaceAll((arn, doc) -> "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
    clock.advance(Duration.ofHours(2));  // past driftCheckInterval
    pass(dev);
    assertThat(accounts.desired.get(A1).status().boundary().driftReason()).isEqualTo("PolicyModified");
    assertThat(accounts.desired.get(A1).status().boundary().state()).isEqualTo(State.DRIFTED);
    assertThat(aws.writesOf("CreatePolicyVersion")).isEmpty();
    assertThat(condition(dev, "InSync").getStatus()).isEqualTo("False");

    respec(dev, "developer-policy-dev", "driftRemediation: Reconcile", "", TARGET_OU);
    pass(dev);
    assertThat(aws.writesOf("CreatePolicyVersion")).containsExactly("CreatePolicyVersion " + A1);
    assertThat(events.reasons()).contains(EventReason.DriftRepaired);
  }

  @Test
  void aSuspendedStageWritesNothingAndSaysSo() {
    Stage dev = stage("dev", "developer-policy-dev", "suspend: true");
    pass(dev);
    pass(dev);
    assertThat(aws.writes).isEmpty();
    assertThat(condition(dev, "Ready").getReason()).isEqualTo("Suspended");
  }

  @Test
  void anInvalidBoundaryIsStalledWithZeroWrites() {
    Stage dev = stage("dev", "developer-policy-dev", "");
    respec(dev, "developer-policy-dev", "", "    - {sid: Bad, effect: Deny, actions: [\"not an action\"], resources: [\"*\"]}\n",
        TARGET_OU);
    pass(dev);
    assertThat(condition(dev, "Stalled").getStatus()).isEqualTo("True");
    assertThat(condition(dev, "Stalled").getReason()).isEqualTo("InvalidBoundary");
    assertThat(aws.writes).isEmpty();
  }

  @Test
  void bootstrapStacksGetTheBoundaryOnceThePolicyExists() {
    aws.bootstrapped(A1, InMemoryAws.REGION, "");
    Stage dev = stage("dev", "developer-policy-dev", "");
    pass(dev);
    assertThat(aws.writesOf("UpdateStack")).as("no policy yet: the stack is left alone").isEmpty();
    converged(dev);
    assertThat(aws.writesOf("UpdateStack")).containsExactly("UpdateStack " + A1 + "/us-east-1 developer-policy-dev");
    assertThat(accounts.desired.get(A1).status().bootstrap().get(0).executionRoleBoundary())
        .isEqualTo("arn:aws:iam::" + A1 + ":policy/developer-policy-dev");
  }

  @Test
  void deleteClearsTheBootstrapStacksThenTheInstancesThenTheStackSet() {
    aws.bootstrapped(A1, InMemoryAws.REGION, "");
    Stage dev = converged(stage("dev", "developer-policy-dev", "deletionPolicy: Delete"));
    aws.writes.clear();
    assertThat(cleanup(dev)).isPresent();
    assertThat(aws.writes).containsExactly("UpdateStack " + A1 + "/us-east-1 ");
    assertThat(cleanup(dev)).isPresent();
    assertThat(aws.writes.get(1)).startsWith("DELETE sbo-teardown-");
    aws.finish();
    assertThat(cleanup(dev)).as("everything gone: the finalizer may go").isEmpty();
    assertThat(aws.writes.get(aws.writes.size() - 1)).isEqualTo("DeleteStackSet stage-boundary-dev");
  }

  @Test
  void retainLeavesAwsUntouched() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    aws.writes.clear();
    assertThat(cleanup(dev)).isEmpty();
    assertThat(aws.writes).isEmpty();
    assertThat(events.reasons()).contains(EventReason.Retained);
  }

  // --- the guardrail SCP ---------------------------------------------------------------------

  private static final String GUARDED = "guardrail: {enabled: true}";

  @Test
  void theGuardrailIsCreatedAttachedToTheTargetsAndProvenThenANoOpPassWritesNothing() {
    aws.bootstrapped(A1, InMemoryAws.REGION, "");
    aws.bootstrapped(A2, InMemoryAws.REGION, "");
    Stage dev = converged(stage("dev", "developer-policy-dev", GUARDED));
    assertThat(aws.writesOf("CreateScp")).containsExactly("CreateScp stage-boundary-dev");
    InMemoryAws.FakeScp scp = aws.scps.values().iterator().next();
    assertThat(scp.targets).containsExactly(OU);
    assertThat(scp.tags).containsEntry("iam.stageboundary.io/stage", "dev");
    assertThat(scp.content).contains("iam:DeleteRolePermissionsBoundary", "arn:aws:iam::*:role/cdk-hnb659fds-*",
        "arn:aws:iam::*:policy/developer-policy-dev", "arn:aws:iam::*:role/stage-boundary-member");
    assertThat(condition(dev, "Guarded").getStatus()).isEqualTo("True");
    assertThat(condition(dev, "Guarded").getReason()).isEqualTo("AllProbesPassed");
    assertThat(accounts.desired.get(A1).status().enforcement().guardrail().passed()).isEqualTo(3);
    assertThat(dev.getStatus().guardrail().attachedTo()).containsExactly(OU);
    int before = aws.writes.size();
    pass(dev);
    assertThat(aws.writes.subList(before, aws.writes.size())).as("no-op resync")
        .noneMatch(w -> !w.startsWith("SimulatePrincipalPolicy"));
  }

  @Test
  void aGuardrailWithoutTheRightToManageScpsIsStalledWithZeroWrites() {
    AwsOrganization denied = organization();
    denied.setStatus(new AwsOrganizationStatus(1L, org.getStatus().conditions(), "o-test", "123456789012",
        "111111111111", 2, 1, new AwsOrganizationStatus.PolicyManagement(true, false,
            AwsOrganizationStatus.PolicyManagement.Via.None, "the organisation has no delegation policy")));
    Stage dev = stage("dev", "developer-policy-dev", GUARDED);
    StageStatusBuilder status = new StageStatusBuilder(dev, clock);
    controller.reconcile(new StageInputs(dev, Optional.of(denied), List.of(), Map.of("dev", 1L), writtenAhead::add), status);
    dev.setStatus(status.build());
    assertThat(condition(dev, "Stalled").getReason()).isEqualTo("GuardrailNotPermitted");
    assertThat(condition(dev, "Stalled").getMessage()).contains("no delegation policy");
    assertThat(aws.writes).isEmpty();
  }

  @Test
  void aTargetWithTenScpsIsStalledNamingItWithZeroWrites() {
    aws.otherScps.put(OU, 10);
    Stage dev = stage("dev", "developer-policy-dev", GUARDED);
    pass(dev);
    assertThat(condition(dev, "Stalled").getReason()).isEqualTo("GuardrailTargetFull");
    assertThat(condition(dev, "Stalled").getMessage()).startsWith(OU + " already has 10 service control policies")
        .contains("spec.quotas.serviceControlPoliciesPerTarget");
    assertThat(aws.writes).isEmpty();

    // an organisation whose quota was raised says so, and the guardrail goes on
    org.setSpec(Serialization.unmarshal("""
        region: us-east-1
        callAs: DELEGATED_ADMIN
        quotas: {serviceControlPoliciesPerTarget: 15}
        """, io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationSpec.class));
    pass(dev);
    assertThat(condition(dev, "Stalled").getStatus()).isEqualTo("False");
    assertThat(aws.writes).anyMatch(w -> w.startsWith("AttachScp"));
  }

  @Test
  void scpsNotEnabledOnTheRootIsStalledSayingHowToEnableThem() {
    aws.scpEnabled = false;
    Stage dev = stage("dev", "developer-policy-dev", GUARDED);
    pass(dev);
    assertThat(condition(dev, "Stalled").getReason()).isEqualTo("ServiceControlPoliciesDisabled");
    assertThat(condition(dev, "Stalled").getMessage()).contains("enable-policy-type --root-id r-root");
    assertThat(aws.writes).isEmpty();
  }

  @Test
  void anScpOfTheSameNameTheOperatorDidNotCreateIsNeverTouched() {
    aws.scps.put("p-theirs", new InMemoryAws.FakeScp("p-theirs", "stage-boundary-dev", "{}", Map.of()));
    Stage dev = stage("dev", "developer-policy-dev", GUARDED);
    pass(dev);
    assertThat(condition(dev, "Stalled").getReason()).isEqualTo("GuardrailNameTaken");
    assertThat(aws.writes).isEmpty();
  }

  @Test
  void aDetachedOrEditedGuardrailIsReportedUnderReportAndRepairedUnderReconcile() {
    Stage dev = converged(stage("dev", "developer-policy-dev", GUARDED));
    InMemoryAws.FakeScp scp = aws.scps.values().iterator().next();
    scp.targets.clear();
    scp.content = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
    int before = aws.writes.size();
    pass(dev);
    assertThat(aws.writes.subList(before, aws.writes.size())).noneMatch(w -> w.contains("Scp"));
    assertThat(dev.getStatus().drift().reasons()).containsEntry("GuardrailDetached", 1).containsEntry("GuardrailModified", 1);
    assertThat(condition(dev, "Guarded").getReason()).isEqualTo("GuardrailDrifted");
    assertThat(condition(dev, "Ready").getStatus()).isEqualTo("False");

    respec(dev, "developer-policy-dev", GUARDED + "\ndriftRemediation: Reconcile", "", TARGET_OU);
    pass(dev);
    assertThat(aws.writes.subList(before, aws.writes.size())).contains("UpdateScp " + scp.id, "AttachScp " + OU);
    assertThat(events.reasons()).contains(EventReason.DriftRepaired);
  }

  @Test
  void theGuardrailFollowsTheTargetsAndTurningItOffDetachesButKeepsItUnderRetain() {
    aws.ou("ou-test-dev00002", "r-root");
    Stage dev = converged(stage("dev", "developer-policy-dev", GUARDED));
    InMemoryAws.FakeScp scp = aws.scps.values().iterator().next();
    respec(dev, "developer-policy-dev", GUARDED, "", "{organizationalUnits: [ou-test-dev00002], accounts: [" + A1
        + "], regions: [us-east-1]}");
    settle(dev);
    assertThat(scp.targets).containsExactly(A1, "ou-test-dev00002");
    respec(dev, "developer-policy-dev", "guardrail: {enabled: false}", "", TARGET_OU);
    settle(dev);
    assertThat(scp.targets).isEmpty();
    assertThat(aws.scps).as("Retain: detached, not deleted").containsKey(scp.id);
    assertThat(condition(dev, "Guarded").getReason()).isEqualTo("Disabled");
  }

  @Test
  void deletingUnderDeleteDetachesAndDeletesTheGuardrailFirst() {
    Stage dev = converged(stage("dev", "developer-policy-dev", GUARDED + "\ndeletionPolicy: Delete"));
    String id = aws.scps.keySet().iterator().next();
    aws.writes.clear();
    cleanup(dev);
    assertThat(aws.writes.subList(0, 2)).containsExactly("DetachScp " + OU, "DeleteScp " + id);
    assertThat(aws.scps).isEmpty();
  }

  // --- plan, then apply -----------------------------------------------------------------------

  private static final String MANUAL = "rollout: {approval: Manual}";

  private void approve(Stage stage) {
    stage.getMetadata().setAnnotations(Map.of("iam.stageboundary.io/approve", stage.getStatus().plan().id()));
  }

  private io.stageboundary.operator.api.v1alpha1.exception.BoundaryException exception(String name, String more) {
    var e = Serialization.unmarshal("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: BoundaryException
        metadata: {name: %s, uid: uid-%s, generation: 1, creationTimestamp: "%s"}
        spec:
          stage: dev
          accounts: ["%s"]
          statements: [DenyModifyingConfig]
          reason: an incident
          expiresAt: "%s"
        %s""".formatted(name, name, clock.instant(), A1, clock.instant().plus(Duration.ofHours(2)), more.indent(2)),
        io.stageboundary.operator.api.v1alpha1.exception.BoundaryException.class);
    exceptions.add(e);
    return e;
  }

  private double exceptionsActive(String breakGlass) {
    return registry.get("stage_boundary_exceptions_active").tag("stage", "dev").tag("break_glass", breakGlass).gauge().value();
  }

  @Test
  void onAManualStageAnExceptionWaitsForItsPlanButBreakGlassIsGrantedAndCounted() {
    Stage dev = stage("dev", "developer-policy-dev", MANUAL);
    pass(dev);
    approve(dev);
    converged(dev);
    exception("data-team", "approvedBy: security");
    int before = aws.writes.size();
    StageStatusBuilder status = new StageStatusBuilder(dev, clock);
    controller.reconcile(inputs(dev, Map.of()), status);
    dev.setStatus(status.build());
    assertThat(status.exceptions().get("data-team").phase())
        .isEqualTo(io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus.Phase.AwaitingApproval);
    assertThat(status.exceptions().get("data-team").message()).contains("kubectl annotate stage dev",
        dev.getStatus().plan().id());
    assertThat(aws.writes.subList(before, aws.writes.size())).noneMatch(w -> w.startsWith("OVERRIDE"));
    assertThat(exceptionsActive("false")).isZero();
    assertThat(dev.getStatus().plan().exceptions()).singleElement().asString()
        .startsWith("data-team: lifts DenyModifyingConfig in " + A1).contains(" config action(s) allowed");
    assertThat(conditionStatus(dev, "Ready")).as("an exception waiting does not make the stage unready").isEqualTo("True");

    approve(dev);
    pass(dev);
    aws.finish();
    status = new StageStatusBuilder(dev, clock);
    controller.reconcile(inputs(dev, Map.of()), status);
    dev.setStatus(status.build());
    assertThat(aws.writesOf("OVERRIDE")).as("approved: granted").hasSize(1);
    assertThat(status.exceptions().get("data-team").phase())
        .isEqualTo(io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus.Phase.Active);
    assertThat(dev.getStatus().approved().exceptions()).containsExactly("uid-data-team@1");
    assertThat(dev.getStatus().accounts().excepted()).as("the Excepted column").isEqualTo(1);
    assertThat(exceptionsActive("false")).isEqualTo(1.0);

    exceptions.clear();
    pass(dev);
    aws.finish();
    pass(dev);
    assertThat(aws.writesOf("OVERRIDE")).as("deleted: ended without approval").hasSize(2);
    assertThat(aws.stackSets.get("stage-boundary-dev").overrides.get(A1)).isEmpty();
    exception("incident", "breakGlass: true");
    settle(dev);
    status = new StageStatusBuilder(dev, clock);
    controller.reconcile(inputs(dev, Map.of()), status);
    assertThat(aws.writesOf("OVERRIDE")).hasSize(3);
    assertThat(aws.stackSets.get("stage-boundary-dev").overrides.get(A1)).containsExactly(
        Map.entry("LiftDenyModifyingConfig", "true"));
    assertThat(status.exceptions().get("incident").phase()).as("%s", status.exceptions())
        .isEqualTo(io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus.Phase.Active);
    assertThat(exceptionsActive("true")).isEqualTo(1.0);
    assertThat(events.reasons()).contains(EventReason.BreakGlassGranted);
  }

  @Test
  void aStageSetsHowLongItsExceptionsMayLast() {
    Stage dev = converged(stage("dev", "developer-policy-dev", "exceptions: {maxDuration: 1h}"));
    exception("data-team", "approvedBy: security");  // expires in 2 hours
    StageStatusBuilder status = new StageStatusBuilder(dev, clock);
    controller.reconcile(inputs(dev, Map.of()), status);
    assertThat(status.exceptions().get("data-team").phase())
        .isEqualTo(io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus.Phase.Refused);
    assertThat(status.exceptions().get("data-team").message()).contains("more than 1h (the stage's spec.exceptions.maxDuration)");
    assertThat(aws.writesOf("OVERRIDE")).isEmpty();
  }

  @Test
  void anExceptionDeletedWhileItsLiftIsBeingWrittenIsStillEnded() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    exception("data-team", "approvedBy: security");
    pass(dev);
    assertThat(aws.writesOf("OVERRIDE")).hasSize(1);
    assertThat(dev.getStatus().stackSet().lastOperation().lifting()).containsExactly(A1);
    exceptions.clear();  // before any StageAccount recorded the lift
    aws.finish();
    settle(dev);
    assertThat(aws.writesOf("OVERRIDE")).as("the lift found and ended").hasSize(2);
    assertThat(aws.stackSets.get("stage-boundary-dev").overrides.get(A1)).isEmpty();
    assertThat(conditionStatus(dev, "Ready")).isEqualTo("True");
  }

  @Test
  void aManualStageWritesNothingUntilItsPlanIsApprovedThenExactlyThePlan() {
    aws.bootstrapped(A1, InMemoryAws.REGION, "");
    Stage dev = stage("dev", "developer-policy-dev", MANUAL);
    pass(dev);
    pass(dev);
    assertThat(aws.writes).as("a dry run").noneMatch(w -> !w.startsWith("SimulatePrincipalPolicy"));
    assertThat(condition(dev, "Reconciling").getReason()).isEqualTo("AwaitingApproval");
    StageStatus.Plan plan = dev.getStatus().plan();
    assertThat(plan.id()).startsWith("plan-");
    assertThat(plan.revisionFrom()).isNull();
    assertThat(plan.statementsAdded()).contains("DenyModifyingConfig", "DenyAccessIfRequiredPermBoundaryIsNotBeingApplied");
    assertThat(plan.accountsToAdd()).containsExactly(A1, A2);
    assertThat(plan.bootstrapStacks()).containsExactly(Map.entry("us-east-1", List.of(A1)));
    assertThat(plan.accessChanges()).as("a first rollout, against no boundary: what the guards and the stage's Deny take away")
        .anyMatch(l -> l.startsWith("-") && l.contains(" config action(s) denied"))
        .anyMatch(l -> l.startsWith("-") && l.contains(" iam action(s) denied"))
        .noneMatch(l -> l.startsWith("+"));
    assertThat(condition(dev, "Reconciling").getMessage()).contains("kubectl annotate stage dev --overwrite "
        + "iam.stageboundary.io/approve=" + plan.id());
    assertThat(events.reasons()).containsOnlyOnce(EventReason.PlanReady);

    approve(dev);
    converged(dev);
    assertThat(aws.stackSets.get("stage-boundary-dev").instances).containsOnlyKeys(plan.accountsToAdd().toArray(String[]::new));
    assertThat(aws.writesOf("UpdateStack")).containsExactly("UpdateStack " + A1 + "/us-east-1 developer-policy-dev");
    assertThat(dev.getStatus().approved().planId()).isEqualTo(plan.id());
    assertThat(dev.getStatus().plan()).isNull();
  }

  @Test
  void theManualPlanNamesAFailedBootstrapStackAndATakenPolicyNameAndStillWritesNothing() {
    aws.bootstrapped(A1, InMemoryAws.REGION, "").stacks.get(A1 + "/" + InMemoryAws.REGION).status =
        "UPDATE_ROLLBACK_FAILED";
    aws.policies.computeIfAbsent(A2, a -> new java.util.concurrent.ConcurrentHashMap<>())
        .put("arn:aws:iam::" + A2 + ":policy/developer-policy-dev", "{}");
    Stage dev = stage("dev", "developer-policy-dev", MANUAL);
    pass(dev);
    pass(dev);
    assertThat(aws.writes).as("a dry run").noneMatch(w -> !w.startsWith("SimulatePrincipalPolicy"));
    StageStatus.Plan plan = dev.getStatus().plan();
    assertThat(plan.blockers()).extracting(StageStatus.Blocker::account, StageStatus.Blocker::region,
        StageStatus.Blocker::reason).containsExactly(
            Tuple.tuple(A1, InMemoryAws.REGION, "BootstrapStackFailed"),
            Tuple.tuple(A2, null, "PolicyNameTaken"));
    assertThat(plan.blockers().get(0).message()).contains("UPDATE_ROLLBACK_FAILED");
    assertThat(plan.checkedAt()).isNotNull();
    assertThat(condition(dev, "Reconciling").getMessage())
        .contains("will block: BootstrapStackFailed in 1 account(s), PolicyNameTaken in 1 account(s)");
  }

  @Test
  void aSpecChangedAgainIsNotAppliedUnderTheOldApproval() {
    Stage dev = stage("dev", "developer-policy-dev", MANUAL);
    pass(dev);
    approve(dev);
    converged(dev);
    String first = dev.getStatus().approved().planId();
    respec(dev, "developer-policy-dev", MANUAL, DENY_CLOUDTRAIL, TARGET_OU);
    int before = aws.writes.size();
    pass(dev);
    assertThat(aws.writes).hasSize(before);
    StageStatus.Plan second = dev.getStatus().plan();
    assertThat(second.id()).isNotEqualTo(first);
    assertThat(second.statementsAdded()).containsExactly("DenyStoppingTrails");
    assertThat(second.diff()).singleElement().asString().startsWith("+ {").contains("cloudtrail:StopLogging");
    assertThat(second.accessChanges()).as("from the catalogue: what the added Deny takes away")
        .containsExactly("-1 cloudtrail action(s) denied (e.g. cloudtrail:StopLogging)");
    assertThat(second.accountsToAdd()).isEmpty();
    assertThat(dev.getMetadata().getAnnotations()).containsValue(first);
    pass(dev);
    assertThat(aws.writes).as("the annotation names the first plan, not this one").hasSize(before);

    approve(dev);
    pass(dev);
    assertThat(aws.writesOf("UPDATE")).hasSize(1);
  }

  @Test
  void repairingAnApprovedStateNeedsNoNewApproval() {
    Stage dev = stage("dev", "developer-policy-dev", MANUAL + "\ndriftRemediation: Reconcile");
    pass(dev);
    approve(dev);
    converged(dev);
    aws.policies.get(A1).replaceAll((arn, doc) -> "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
    clock.advance(Duration.ofHours(2));
    pass(dev);
    assertThat(aws.writesOf("CreatePolicyVersion")).containsExactly("CreatePolicyVersion " + A1);
    assertThat(dev.getStatus().plan()).isNull();
  }

  @Test
  void switchingToManualStartsFromWhatIsDeployed() {
    Stage dev = converged(stage("dev", "developer-policy-dev", ""));
    respec(dev, "developer-policy-dev", MANUAL, "", TARGET_OU);
    int before = aws.writes.size();
    pass(dev);
    assertThat(dev.getStatus().plan()).isNull();
    assertThat(condition(dev, "Ready").getStatus()).isEqualTo("True");
    assertThat(aws.writes.subList(before, aws.writes.size())).noneMatch(w -> !w.startsWith("SimulatePrincipalPolicy"));
  }

  /**
   * At rest, an account's checks (its policy, its CDK roles in both regions) share one read of its
   * IAM, however a rollout and a document change spread them, and two reads share one member
   * session: 62 accounts, batches of 16 a pass (four passes, as 1,000 accounts at the default
   * concurrency), passes when the controller asks for them, StackSet operations ending between
   * passes, a session serving calls 55 minutes (InMemoryAws). Checks within the ten minutes one
   * read is kept count as one read. Over eleven hours from 80 minutes after the change, at the
   * default hourly interval: reads come 45 to 65 minutes apart and every other one takes a session,
   * 1.67 member calls per account and hour over whole cycles (2.0 when each read took a new session).
   */
  @Test
  void atRestAnAccountsChecksShareOneReadAndTwoReadsOneSession() {
    String twoRegions = "{organizationalUnits: [" + OU + "], regions: [us-east-1, eu-west-1]}";
    for (int i = 1; i <= 62; i++) {
      String account = String.format("2000000000%02d", i);
      aws.account(account, OU).bootstrapped(account, "us-east-1", "").bootstrapped(account, "eu-west-1", "");
    }
    Stage dev = stage("dev", "developer-policy-dev", "");
    respec(dev, "developer-policy-dev", "", "", twoRegions);
    Instant start = clock.instant();
    Map<String, java.util.TreeSet<Instant>> checks = new TreeMap<>();
    boolean changed = false;
    while (clock.instant().isBefore(start.plus(Duration.ofMinutes(770)))) {
      if (!changed && clock.instant().isAfter(start.plus(Duration.ofMinutes(20)))) {
        respec(dev, "developer-policy-dev", "", DENY_CLOUDTRAIL, twoRegions);  // the document change
        changed = true;
      }
      Duration next = pass(dev);
      aws.finish();
      accounts.desired.forEach((account, d) -> checks.computeIfAbsent(account, a -> new java.util.TreeSet<>())
          .addAll(checkedAt(d.status())));
      clock.advance(next.compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : next);
    }
    Instant from = start.plus(Duration.ofMinutes(100));
    Instant to = from.plus(Duration.ofHours(11));
    Map<String, Integer> reads = new TreeMap<>();
    Map<String, Long> sessions = new TreeMap<>();
    checks.forEach((account, at) -> {
      reads.put(account, reads(at, from, to));
      sessions.put(account, aws.sessions.getOrDefault(account, List.of()).stream()
          .filter(t -> !t.isBefore(from) && t.isBefore(to)).count());
    });
    assertThat(reads).hasSize(62);
    assertThat(reads).as("reads in eleven hours: one an hour at most, none more than 15 minutes early")
        .allSatisfy((account, n) -> assertThat(n).as("%s checked at %s", account, checks.get(account)).isBetween(11, 13));
    assertThat(sessions).as("sessions in eleven hours").allSatisfy((account, n) ->
        assertThat(n).as("%s: sessions at %s for checks at %s", account, aws.sessions.get(account),
            checks.get(account)).isLessThanOrEqualTo(reads.get(account) / 2 + 1));
    // the rate over whole cycles, from an account's first session in the window to its last: the
    // accounts keep the phase the change gave them, so a window's edges would not average out
    double perAccountHour = checks.entrySet().stream().mapToDouble(e -> {
      List<Instant> taken = aws.sessions.get(e.getKey()).stream()
          .filter(t -> !t.isBefore(from) && t.isBefore(to)).toList();
      Instant first = taken.get(0);
      Instant last = taken.get(taken.size() - 1);
      return (reads(e.getValue(), first, last) + taken.size() - 1)
          / (Duration.between(first, last).toSeconds() / 3600.0);
    }).average().orElseThrow();
    assertThat(perAccountHour).as("member calls per account and hour (2.0 with a new session for every read)")
        .isLessThan(1.75);
  }

  /** When a StageAccount says its policy and its CDK roles were last checked. */
  private static List<Instant> checkedAt(io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus st) {
    List<Instant> out = new ArrayList<>();
    if (st != null && st.boundary() != null && st.boundary().lastChecked() != null) {
      out.add(Instant.parse(st.boundary().lastChecked()));
    }
    if (st != null && st.bootstrap() != null) {
      st.bootstrap().stream().filter(r -> r.lastChecked() != null).forEach(r -> out.add(Instant.parse(r.lastChecked())));
    }
    return out;
  }

  /** The reads of an account's IAM checks at these times make, one kept ten minutes, counting those in [from, to). */
  private static int reads(java.util.SortedSet<Instant> checks, Instant from, Instant to) {
    Instant read = null;
    int n = 0;
    for (Instant t : checks) {
      if (read == null || !t.isBefore(read.plus(Duration.ofMinutes(10)))) {
        read = t;
        n += !t.isBefore(from) && t.isBefore(to) ? 1 : 0;
      }
    }
    return n;
  }

  // --- harness -----------------------------------------------------------------------------

  /** A Stage with dev's policy name that targets only A1: it conflicts with dev on A1. */
  private Stage claimingA1(String name) {
    Stage s = stage(name, "developer-policy-dev", "");
    respec(s, "developer-policy-dev", "", "", "{accounts: [" + A1 + "], regions: [us-east-1]}");
    s.getMetadata().setGeneration(1L);
    return s;
  }

  private Stage converged(Stage stage) {
    for (int i = 0; i < 10 && !"True".equals(conditionStatus(stage, "Ready")); i++) {
      pass(stage);
      aws.finish();
    }
    assertThat(conditionStatus(stage, "Ready")).as("Ready: %s", stage.getStatus().conditions()).isEqualTo("True");
    return stage;
  }

  /** A few passes, with every StackSet operation ending between them. */
  private void settle(Stage stage) {
    for (int i = 0; i < 4; i++) {
      pass(stage);
      aws.finish();
    }
  }

  private Duration pass(Stage stage) {
    return pass(stage, Map.of(stage.getMetadata().getName(), stage.getMetadata().getGeneration()));
  }

  private Duration pass(Stage stage, Map<String, Long> peers) {
    StageStatusBuilder status = new StageStatusBuilder(stage, clock);
    Duration next;
    try {
      next = controller.reconcile(inputs(stage, peers), status);
    } catch (AwsFailure f) {
      next = controller.onAwsFailure(stage, status, f);
    }
    stage.setStatus(status.build());
    return next;
  }

  private Optional<Duration> cleanup(Stage stage) {
    StageStatusBuilder status = new StageStatusBuilder(stage, clock);
    Optional<Duration> wait = controller.cleanup(inputs(stage, Map.of()), status);
    stage.setStatus(status.build());
    return wait;
  }

  private StageInputs inputs(Stage stage, Map<String, Long> peers) {
    return new StageInputs(stage, Optional.of(org), accounts.cached(stage), new TreeMap<>(peers), writtenAhead::add,
        Map.of(), List.copyOf(exceptions));
  }

  private static String conditionStatus(Stage stage, String type) {
    return stage.getStatus() == null ? null : condition(stage, type).getStatus();
  }

  private static Condition condition(Stage stage, String type) {
    return stage.getStatus().conditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  private static final String TARGET_OU = "{organizationalUnits: [" + OU + "], regions: [us-east-1]}";
  private static final String DENY_CLOUDTRAIL =
      "    - {sid: DenyStoppingTrails, effect: Deny, actions: [\"cloudtrail:StopLogging\"], resources: [\"*\"]}\n";

  private Stage stage(String name, String policy, String extraSpec) {
    Stage s = Serialization.unmarshal("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: %s, uid: uid-%s, generation: 0}
        """.formatted(name, name), Stage.class);
    respec(s, policy, extraSpec, "", TARGET_OU);
    return s;
  }

  /** A new spec, as `kubectl apply` of a changed manifest: the generation goes up. */
  private void respec(Stage s, String policy, String extraSpec, String extraStatements, String targets) {
    s.setSpec(Serialization.unmarshal("""
        organizationRef: {name: main}
        boundary:
          policyName: %s
          statements:
            - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
        %stargets: %s
        %s
        """.formatted(policy, extraStatements, targets, extraSpec), StageSpec.class));
    s.getMetadata().setGeneration(s.getMetadata().getGeneration() + 1);
    try {
      BoundaryDocument doc = BoundaryDocument.render(s.getMetadata().getName(), s.getSpec().boundary(), "aws");
      aws.deployedDocument = account -> doc.documentFor(account).toString();
    } catch (io.stageboundary.operator.policy.InvalidBoundaryException e) {
      // the test is about an invalid boundary
    }
  }

  private static AwsOrganization organization() {
    AwsOrganization o = Serialization.unmarshal("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: AwsOrganization
        metadata: {name: main, generation: 1}
        spec: {region: us-east-1, callAs: DELEGATED_ADMIN}
        """, AwsOrganization.class);
    o.setStatus(new AwsOrganizationStatus(1L, List.of(new Condition("Ready", "True", 1L, null, "Ready", "ok")),
        "o-test", "123456789012", "111111111111", 2, 1, new AwsOrganizationStatus.PolicyManagement(true, true,
            AwsOrganizationStatus.PolicyManagement.Via.DelegatedAdministrator, null)));
    return o;
  }

  private static final class RecordedEvents implements Events {
    final List<EventReason> seen = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public void normal(HasMetadata about, EventReason reason, String message) {
      seen.add(reason);
    }

    @Override
    public void warning(HasMetadata about, EventReason reason, String message) {
      seen.add(reason);
    }

    List<EventReason> reasons() {
      return List.copyOf(seen);
    }
  }

  /** The StageAccounts as the API server would hold them after the writer's last sync, per stage. */
  private static final class RecordedAccounts implements StageAccountWriter {
    private final Map<String, Map<String, Desired>> byStage = new TreeMap<>();
    /** The last synced stage's objects, by account. */
    Map<String, Desired> desired = new TreeMap<>();

    @Override
    public int sync(Stage stage, Map<String, Desired> want, Collection<StageAccount> cached) {
      desired = new TreeMap<>(want);
      byStage.put(stage.getMetadata().getName(), desired);
      return want.size();
    }

    @Override
    public void deleteAll(String stageName) {
      byStage.remove(stageName);
    }

    Collection<StageAccount> cached(Stage s) {
      String stage = s.getMetadata().getName();
      return byStage.getOrDefault(stage, Map.of()).values().stream().map(d -> {
        StageAccount a = new StageAccount();
        a.getMetadata().setName(StageAccount.nameFor(stage, d.spec().accountId()));
        a.setSpec(d.spec());
        a.setStatus(d.status());
        return a;
      }).toList();
    }
  }
}
