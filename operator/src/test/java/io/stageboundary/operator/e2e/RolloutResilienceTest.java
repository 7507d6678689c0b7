package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.EmulatorAdmin.Fault;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationSummary;

/**
 * A busy StackSet, throttling and a restart in the middle of an operation are reschedules, never
 * failures, and never start the same work twice.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutResilienceTest {
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static EmulatorAdmin emulator;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    emulator = peers.emulator();
    emulator.setOperationTiming(0.3, 0);
    h = OperatorHarness.start(peers);
    h.applySample("organization.yaml");
  }

  @AfterEach
  void noFaults() {
    emulator.clearFaults();
    emulator.clearInstanceFailures();
    emulator.setOperationTiming(0.3, 0);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static List<StackSetOperationSummary> allOperations(String stackSet) {
    try (CloudFormationClient cfn = h.aws().assumeRole(org.operatorRoleArn()).cloudFormation()) {
      return cfn.listStackSetOperations(r -> r.stackSetName(stackSet).callAs(CallAs.DELEGATED_ADMIN)).summaries();
    }
  }

  /** The operations that write: the drift detection the operator runs after a rollout left out. */
  private static List<StackSetOperationSummary> operations(String stackSet) {
    return allOperations(stackSet).stream().filter(o -> !"DETECT_DRIFT".equals(o.actionAsString())).toList();
  }

  @Test
  @Order(1)
  void throttlingOnEveryApiSlowsTheRolloutButNeverFailsIt() {
    emulator.addFault(Fault.throttle(null, null, 0.3));
    h.applySample("stage-dev.yaml");
    h.applySample("stage-beta.yaml");
    // 30 % of every call throttled: the adaptive retry slows the whole rollout down a lot, by design
    await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> {
      for (String s : List.of("dev", "beta")) {
        Stage stage = h.stage(s);
        assertThat(OperatorHarness.is(stage, "Stalled", "True")).as("%s stalled", s).isFalse();
        assertThat(OperatorHarness.is(stage, "Ready", "True")).as("%s ready", s).isTrue();
      }
    });
    emulator.clearFaults();
    assertThat(emulator.calls()).anySatisfy(c -> assertThat(c.fault()).isEqualTo("throttle"));
    assertThat(operations("stage-boundary-dev")).hasSize(1);
  }

  @Test
  @Order(2)
  void aStackSetBusyWithSomeoneElsesOperationIsWaitedFor() {
    // A fresh operator: the SDK's adaptive retry slows its own sending rate after the throttling of
    // the test before and recovers over many seconds, which would make this test's timing vary.
    h.stopOperator();
    h.startOperator();
    await().atMost(Duration.ofSeconds(30)).until(() -> allOperations("stage-boundary-dev").stream()
        .noneMatch(o -> "RUNNING".equals(o.statusAsString())));
    emulator.setOperationTiming(8.0, 0);
    try (CloudFormationClient cfn = h.aws().assumeRole(org.operatorRoleArn()).cloudFormation()) {
      cfn.detectStackSetDrift(r -> r.stackSetName("stage-boundary-dev").callAs(CallAs.DELEGATED_ADMIN));
    }
    h.apply(OperatorHarness.read("samples/stage-dev.yaml").replace("\"savingsplans:CreateSavingsPlan\"]",
        "\"savingsplans:CreateSavingsPlan\", \"guardduty:*\"]"));
    h.awaitCondition("dev", "Reconciling", "True", Duration.ofSeconds(10));
    await().atMost(Duration.ofSeconds(10)).until(() -> OperatorHarness.condition(h.stage("dev"), "Reconciling")
        .map(c -> c.getReason().equals("StackSetBusy")).orElse(false));
    emulator.setOperationTiming(0.3, 0);
    h.awaitCondition("dev", "Ready", "True", Duration.ofSeconds(30));
  }

  @Test
  @Order(3)
  void aRestartInTheMiddleOfAnOperationFollowsItInsteadOfStartingItAgain() {
    emulator.setOperationTiming(3.0, 0);
    h.applySample("stage-prod.yaml");
    // rules placed, the plan computed and approved, the guardrail written, then the operation
    await().atMost(Duration.ofSeconds(40)).until(() -> OperatorHarness.operationRunning(h.stage("prod")));
    String inFlight = h.stage("prod").getStatus().stackSet().lastOperation().id();
    h.stopOperator();
    h.startOperator();
    h.awaitCondition("prod", "Ready", "True", Duration.ofSeconds(30));
    List<StackSetOperationSummary> ops = operations("stage-boundary-prod");
    assertThat(ops).extracting(StackSetOperationSummary::operationId).containsExactly(inFlight);
    assertThat(ops.get(0).statusAsString()).isEqualTo("SUCCEEDED");
  }

  @Test
  @Order(4)
  void anAccountWhoseDeploymentFailsIsReportedAndRetriedWithBackoffUntilItSucceeds() {
    String sandbox = org.account("sandbox-experiments");
    emulator.failInstancesIn(sandbox, "Resource handler returned message: simulated failure");
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: retrying}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-retrying}
          targets: {accounts: ["%s"], regions: [us-east-1]}
          rollout: {failureTolerancePercentage: 0}
        """.formatted(sandbox));
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      Stage s = h.stage("retrying");
      assertThat(s.getStatus().stackSet().lastOperation().status()).isEqualTo("FAILED");
      assertThat(s.getStatus().stackSet().lastOperation().message()).contains(sandbox).contains("simulated failure");
      assertThat(h.stageAccounts("retrying")).singleElement().satisfies(a -> assertThat(a.getStatus().boundary().state())
          .hasToString("FAILED"));
      assertThat(OperatorHarness.is(s, "Ready", "True")).isFalse();
    });
    emulator.clearInstanceFailures();
    h.awaitCondition("retrying", "Ready", "True", Duration.ofSeconds(60));
    // newest first: the attempt after the failure was cleared succeeded; every one before it failed
    List<String> outcomes = operations("stage-boundary-retrying").stream().map(StackSetOperationSummary::statusAsString)
        .toList();
    assertThat(outcomes).hasSizeGreaterThanOrEqualTo(2).first().isEqualTo("SUCCEEDED");
    assertThat(outcomes.subList(1, outcomes.size())).containsOnly("FAILED");
    h.client().resources(Stage.class).withName("retrying").delete();
  }
}
