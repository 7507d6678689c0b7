package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * StackSets finish instances round by round (the emulator as AWS does): an account whose instance
 * is current is bootstrapped while later rounds still run, so policy rollout and bootstrap overlap
 * instead of the bootstraps waiting for the whole operation.
 */
@PeersExtension.WithPeers
class RoundByRoundRolloutTest {
  private static final String REGION = "us-east-1";
  private static OperatorHarness h;
  private static EmulatorAdmin emulator;
  private static SeededOrganization org;

  @BeforeAll
  static void start(Peers peers) {
    emulator = peers.emulator();
    org = peers.organization();
    h = OperatorHarness.startWithBootstrapped(peers, REGION, "prod-payments", "prod-search", "prod-eu-payments",
        "prod-eu-search");
  }

  @AfterAll
  static void stop() {
    emulator.setOperationTiming(0.2, 0);
    h.close();
  }

  @Test
  void anAccountIsBootstrappedAsSoonAsItsInstanceIsCurrentWhileLaterRoundsRun() {
    emulator.setOperationTiming(0.2, 2.0);  // one account per round (25 % of 4), 2 s a round
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: rounds}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-rounds}
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
          rollout: {maxConcurrentPercentage: 25}
        """.formatted(org.ou("prod")));
    AtomicBoolean overlapped = new AtomicBoolean();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Stage s = h.stage("rounds");
      boolean running = s.getStatus() != null && s.getStatus().stackSet() != null
          && s.getStatus().stackSet().lastOperation() != null
          && "CREATE_INSTANCES".equals(s.getStatus().stackSet().lastOperation().action())
          && "RUNNING".equals(s.getStatus().stackSet().lastOperation().status());
      long bootstrapped = h.stageAccounts("rounds").stream().filter(a -> a.getStatus() != null
          && a.getStatus().bootstrapState() == BootstrapState.CURRENT).count();
      if (running && bootstrapped > 0) {
        overlapped.set(true);
      }
      return overlapped.get() || bootstrapped == 4;
    });
    assertThat(overlapped).as("a bootstrap finished while the StackSet operation still ran").isTrue();
    h.awaitReady("rounds");
  }

  /**
   * A StackSet runs one operation at a time, and drift detection is one (here an interval of 5 s
   * after the rollout): a change that waits for the detection a stage started on its own would wait
   * for all its rounds. The operator stops it
   * (StopStackSetOperation), and the change starts once it is STOPPED.
   */
  @Test
  void aChangeStopsTheRunningDriftDetectionInsteadOfWaitingForItsRounds() {
    emulator.setOperationTiming(0.2, 3.0);  // three accounts, one a round: 9 s an operation
    String stage = """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: detecting}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-detecting
            statements:%s
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
          rollout: {maxConcurrentPercentage: 25}
          bootstrap: {enabled: false}
          driftCheckInterval: 5s
        """;
    h.apply(stage.formatted(" []", org.ou("dev")));
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      var op = h.stage("detecting").getStatus() == null || h.stage("detecting").getStatus().stackSet() == null ? null
          : h.stage("detecting").getStatus().stackSet().lastOperation();
      return op != null && "DETECT_DRIFT".equals(op.action()) && "RUNNING".equals(op.status());
    });
    String detection = h.stage("detecting").getStatus().stackSet().lastOperation().id();
    h.apply(stage.formatted("\n    - {sid: DenyTrails, effect: Deny, actions: [\"cloudtrail:StopLogging\"], resources: [\"*\"]}",
        org.ou("dev")));
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
        "UPDATE".equals(h.stage("detecting").getStatus().stackSet().lastOperation().action()));
    try (CloudFormationClient cfn = h.aws().assumeRole(org.operatorRoleArn()).cloudFormation()) {
      assertThat(cfn.describeStackSetOperation(r -> r.stackSetName("stage-boundary-detecting").operationId(detection)
          .callAs(CallAs.DELEGATED_ADMIN)).stackSetOperation().statusAsString())
          .as("the drift detection was stopped, not waited for").isEqualTo("STOPPED");
    }
    h.awaitReady("detecting");
  }
}
