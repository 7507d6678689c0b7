package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationSummary;

/**
 * The packaged operator killed with SIGKILL while a StackSet operation is in flight, then started
 * again: it follows the recorded operation to its end instead of starting the work again.
 */
@PeersExtension.WithPeers
class OperatorCrashIT {
  private static OperatorHarness h;
  private static Peers peers;
  private static Path log;

  @BeforeAll
  static void start(Peers p) throws Exception {
    peers = p;
    h = OperatorHarness.start(p);
    h.stopOperator();
    log = Files.createTempFile("operator-crash", ".log");
  }

  @AfterAll
  static void stop() {
    h.startOperator();
    h.close();
  }

  private static List<StackSetOperationSummary> writeOperations(String stage) {
    try (CloudFormationClient cfn = h.aws().assumeRole(peers.organization().operatorRoleArn()).cloudFormation()) {
      return cfn.listStackSetOperations(r -> r.stackSetName("stage-boundary-" + stage).callAs(CallAs.DELEGATED_ADMIN))
          .summaries().stream().filter(o -> !"DETECT_DRIFT".equals(o.actionAsString())).toList();
    }
  }

  @Test
  void aKilledOperatorResumesTheOperationItRecorded() throws Exception {
    peers.emulator().setOperationTiming(4.0, 0);
    OperatorProcess first = OperatorProcess.start(peers, log, Map.of());
    h.applySample("organization.yaml");
    h.applySample("stage-prod.yaml");
    await().atMost(Duration.ofSeconds(90)).until(() -> OperatorHarness.operationRunning(h.stage("prod")));
    String inFlight = h.stage("prod").getStatus().stackSet().lastOperation().id();
    first.kill();
    assertThat(first.isAlive()).isFalse();
    Instant restart = Instant.now();
    try (OperatorProcess second = OperatorProcess.start(peers, log, Map.of())) {
      h.awaitCondition("prod", "Ready", "True", Duration.ofSeconds(90));
      Figures.record("sigkill-mid-operation", "Ready " + Duration.between(restart, Instant.now()).toSeconds()
          + " s after the restart; the operation in flight was followed, not repeated");
      assertThat(writeOperations("prod")).extracting(StackSetOperationSummary::operationId).containsExactly(inFlight);
      assertThat(writeOperations("prod").get(0).statusAsString()).isEqualTo("SUCCEEDED");
      assertThat(h.stageAccounts("prod")).hasSize(4)
          .allSatisfy(a -> assertThat(a.getStatus().boundary().state().name()).isEqualTo("CURRENT"));
    }
    assertThat(Files.readString(log)).doesNotContain(NoLeakTest.SECRET);
  }
}
