package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.StackInstanceSummary;

/**
 * Plan, then apply, on the real peers: a Manual stage is a true dry run (the emulator's write
 * counter stays where it was) until its plan's id is approved; then it writes exactly the plan; a
 * spec changed again is not applied under the old approval.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApprovalTest {
  private static final String REGION = "us-east-1";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static AwsClients aws;
  private static String firstPlan;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    aws = peers.awsClients();
    h = OperatorHarness.startWithBootstrapped(peers, REGION, "beta-payments");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String stage(String extraStatements) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: approved}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-approved
            statements:
            - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
        %s  targets: {organizationalUnits: [%s], regions: [us-east-1]}
          rollout: {approval: Manual}
          driftCheckInterval: 2s
        """.formatted(extraStatements, org.ou("beta"));
  }

  private static StageStatus.Plan awaitPlan(String notId) {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      Stage s = h.stage("approved");
      return s != null && s.getStatus() != null && s.getStatus().plan() != null
          && !s.getStatus().plan().id().equals(notId)
          && OperatorHarness.condition(s, "Reconciling").map(c -> "AwaitingApproval".equals(c.getReason())).orElse(false);
    });
    return h.stage("approved").getStatus().plan();
  }

  private static void approve(String planId) {
    Stage s = h.stage("approved");
    s.getMetadata().setAnnotations(Map.of("iam.stageboundary.io/approve", planId));
    s.getMetadata().setManagedFields(null);
    h.client().resource(s).update();
  }

  private static List<String> instanceAccounts() {
    try (CloudFormationClient cfn = aws.assumeRole(org.operatorRoleArn()).cloudFormation()) {
      return cfn.listStackInstances(r -> r.stackSetName("stage-boundary-approved").callAs("DELEGATED_ADMIN"))
          .summaries().stream().map(StackInstanceSummary::account).sorted().toList();
    }
  }

  @Test
  @Order(1)
  void aManualStageIsADryRunUntilItsPlanIsApproved() throws Exception {
    int before = h.awsWrites();
    h.apply(stage(""));
    StageStatus.Plan plan = awaitPlan(null);
    assertThat(plan.accountsToAdd()).containsExactlyElementsOf(new TreeSet<>(org.accountsIn("beta")));
    assertThat(plan.statementsAdded()).contains("DenyModifyingConfig");
    assertThat(plan.bootstrapStacks()).containsExactly(Map.entry(REGION, List.of(org.account("beta-payments"))));
    Thread.sleep(3000);  // several passes
    assertThat(h.awsWrites()).as("zero AWS writes while the plan waits").isEqualTo(before);
    assertThat(h.stage("approved").getStatus().plan().id()).as("the same plan while nothing changes").isEqualTo(plan.id());

    approve(plan.id());
    h.awaitReady("approved");
    assertThat(instanceAccounts()).as("the rollout did what the plan said").containsExactlyElementsOf(plan.accountsToAdd());
    assertThat(h.bootstrapParameters(org.account("beta-payments"), REGION))
        .containsEntry("InputPermissionsBoundary", "developer-policy-approved");
    assertThat(h.stackWrites(org.account("beta-search"))).as("not in the plan: not bootstrapped").isZero();
    firstPlan = plan.id();
  }

  @Test
  @Order(2)
  void aSpecChangedAgainIsNotAppliedUnderAnOldApproval() throws Exception {
    String trails = "    - {sid: DenyStoppingTrails, effect: Deny, actions: [\"cloudtrail:StopLogging\"], resources: [\"*\"]}\n";
    String keys = "    - {sid: DenyKeyDeletion, effect: Deny, actions: [\"kms:ScheduleKeyDeletion\"], resources: [\"*\"]}\n";
    String revision = h.stage("approved").getStatus().revision();
    h.apply(stage(trails));
    StageStatus.Plan second = awaitPlan(firstPlan);
    assertThat(second.statementsAdded()).containsExactly("DenyStoppingTrails");
    assertThat(second.accountsToAdd()).isEmpty();
    assertThat(second.accessChanges()).as("what the plan takes away, from the catalogue")
        .containsExactly("-1 cloudtrail action(s) denied (e.g. cloudtrail:StopLogging)");
    approve(second.id());
    h.apply(stage(trails + keys));  // changed again before the operator acted on the approval, or after
    StageStatus.Plan third = awaitPlan(second.id());
    int before = h.awsWrites();
    Thread.sleep(3000);
    assertThat(h.awsWrites()).as("the approval names another plan").isEqualTo(before);
    assertThat(third.statementsAdded()).contains("DenyKeyDeletion");
    approve(third.id());
    await().atMost(Duration.ofSeconds(60)).until(() -> !revision.equals(h.stage("approved").getStatus().revision())
        && OperatorHarness.is(h.stage("approved"), "Ready", "True"));
    assertThat(h.stage("approved").getStatus().approved().planId()).isEqualTo(third.id());
    accessChangesMatchTheSimulation(third);
  }

  /** Every example action the plan says is newly denied is denied by the boundary in IAM's simulation; others are not. */
  private static void accessChangesMatchTheSimulation(StageStatus.Plan plan) {
    List<String> denied = plan.accessChanges().stream().filter(l -> l.startsWith("-"))
        .flatMap(l -> java.util.Arrays.stream(l.substring(l.indexOf("(e.g. ") + 6, l.length() - 1).split(", ")))
        .toList();
    assertThat(denied).contains("kms:ScheduleKeyDeletion");
    String account = org.account("beta-payments");
    for (String action : denied) {
      assertThat(h.execRoleDecision(account, REGION, action)).as(action).isEqualTo("explicitDeny");
    }
    assertThat(h.execRoleDecision(account, REGION, "kms:Decrypt")).as("an action the plan does not name")
        .isEqualTo("allowed");
  }

  @Test
  @Order(3)
  void anExceptionIsAPlanLikeAnyOtherAndItsEndNeedsNoApproval() {
    String account = org.account("beta-payments");
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: BoundaryException
        metadata: {name: config-rules}
        spec:
          stage: approved
          accounts: ["%s"]
          statements: [DenyModifyingConfig]
          reason: the data team sets up AWS Config rules
          approvedBy: security@example.com
          expiresAt: "%s"
        """.formatted(account, java.time.Instant.now().plus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var e = h.client().resources(io.stageboundary.operator.api.v1alpha1.exception.BoundaryException.class)
          .withName("config-rules").get();
      return e.getStatus() != null && e.getStatus().phase()
          == io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus.Phase.AwaitingApproval
          && h.stage("approved").getStatus().plan() != null;
    });
    StageStatus.Plan plan = h.stage("approved").getStatus().plan();
    assertThat(plan.exceptions()).singleElement().asString()
        .startsWith("config-rules: lifts DenyModifyingConfig in " + account).contains(" config action(s) allowed");
    int before = h.awsWrites();
    assertThat(h.execRoleDecision(account, REGION, "config:PutConfigRule")).isEqualTo("explicitDeny");
    assertThat(h.awsWrites()).as("zero AWS writes while the exception waits").isEqualTo(before);

    approve(plan.id());
    await().atMost(Duration.ofSeconds(60)).until(() -> "allowed".equals(
        h.execRoleDecision(account, REGION, "config:PutConfigRule")));
    // every example the plan gave of what the exception allows is allowed there now, as IAM decides it
    String line = plan.exceptions().get(0);
    List<String> allowed = java.util.Arrays.stream(line.substring(line.indexOf("allowed (e.g. ") + 14,
        line.indexOf(')', line.indexOf("allowed (e.g. "))).split(", ")).toList();
    assertThat(allowed).isNotEmpty().allSatisfy(a -> assertThat(a).startsWith("config:"));
    for (String action : allowed) {
      assertThat(h.execRoleDecision(account, REGION, action)).as(action).isEqualTo("allowed");
    }
    assertThat(h.execRoleDecision(account, REGION, "kms:ScheduleKeyDeletion"))
        .as("another Deny of the stage, not lifted").isEqualTo("explicitDeny");
    h.client().resources(io.stageboundary.operator.api.v1alpha1.exception.BoundaryException.class)
        .withName("config-rules").delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> "explicitDeny".equals(
        h.execRoleDecision(account, REGION, "config:PutConfigRule")));
  }
}
