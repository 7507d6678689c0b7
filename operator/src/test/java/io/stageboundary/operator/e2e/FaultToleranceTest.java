package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.EmulatorAdmin.Fault;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
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
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Faults that last: half of every AWS call throttled for two minutes, every AWS service answering
 * 503 for a minute in the middle of a rollout, the API server restarted with an operation in
 * flight. Each ends converged, with every account holding its boundary and no StackSet operation
 * started twice. Durations go to target/figures for docs/reliability.md.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceTest {
  private static OperatorHarness h;
  private static Peers peers;
  private static EmulatorAdmin emulator;
  private static SeededOrganization org;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    emulator = p.emulator();
    org = p.organization();
    emulator.setOperationTiming(0.3, 0);
    h = OperatorHarness.start(p);
    h.applySample("organization.yaml");
  }

  @AfterEach
  void noFaults() {
    emulator.clearFaults();
    emulator.setOperationTiming(0.3, 0);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** Write operations (drift detection left out) by id; each id at most once by construction. */
  private static List<StackSetOperationSummary> writeOperations(String stage) {
    try (CloudFormationClient cfn = h.aws().assumeRole(org.operatorRoleArn()).cloudFormation()) {
      return cfn.listStackSetOperations(r -> r.stackSetName("stage-boundary-" + stage).callAs(CallAs.DELEGATED_ADMIN))
          .summaries().stream().filter(o -> !"DETECT_DRIFT".equals(o.actionAsString())).toList();
    }
  }

  /** Every operation did different work: no action ran twice for the same boundary revision. */
  private static void noOperationStartedTwice(String stage, int expected) {
    List<StackSetOperationSummary> ops = writeOperations(stage);
    assertThat(ops).as("operations of %s", stage).hasSize(expected)
        .allSatisfy(o -> assertThat(o.statusAsString()).isEqualTo("SUCCEEDED"));
    Map<String, Long> byAction = ops.stream().collect(Collectors.groupingBy(StackSetOperationSummary::actionAsString,
        Collectors.counting()));
    assertThat(byAction.values()).allSatisfy(n -> assertThat(n).isEqualTo(1L));
  }

  private static void everyAccountHoldsTheBoundary(String stage, List<String> accounts) throws Exception {
    Stage s = h.stage(stage);
    BoundaryDocument doc = BoundaryDocument.render(stage, h.renderedBoundary(s), "aws");
    for (String account : accounts) {
      try (IamClient iam = h.aws().inAccount(account).iam()) {
        String arn = "arn:aws:iam::" + account + ":policy/" + s.getSpec().boundary().policyName();
        String v = iam.getPolicy(r -> r.policyArn(arn)).policy().defaultVersionId();
        assertThat(CanonicalPolicy.sameDocument(CanonicalPolicy.parse(iam.getPolicyVersion(r -> r.policyArn(arn)
            .versionId(v)).policyVersion().document()), doc.documentFor(account))).as(account).isTrue();
      }
    }
  }

  private static void neverStalled(String... stages) {
    for (String s : stages) {
      Stage stage = h.stage(s);
      assertThat(stage == null || !OperatorHarness.is(stage, "Stalled", "True")).as("%s stalled", s).isTrue();
    }
  }

  private static void awaitRunning(String stage) {
    await().atMost(Duration.ofSeconds(60)).until(() -> OperatorHarness.operationRunning(h.stage(stage)));
  }

  /** Keeps checking a condition while a fault lasts. */
  private static void during(Duration d, Runnable check) {
    Instant end = Instant.now().plus(d);
    while (Instant.now().isBefore(end)) {
      check.run();
      sleep(2000);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(1)
  void halfOfEveryAwsCallThrottledForTwoMinutes() throws Exception {
    Instant start = Instant.now();
    emulator.addFault(Fault.throttle(null, null, 0.5));
    h.applySample("stage-dev.yaml");
    h.applySample("stage-beta.yaml");
    during(Duration.ofMinutes(2), () -> neverStalled("dev", "beta"));
    long throttled = emulator.calls().stream().filter(c -> "throttle".equals(c.fault())).count();
    long total = emulator.calls().size();
    emulator.clearFaults();
    h.awaitCondition("dev", "Ready", "True", Duration.ofSeconds(120));
    h.awaitCondition("beta", "Ready", "True", Duration.ofSeconds(120));
    Figures.record("throttling-50pct-2min", "calls during the fault: " + total + ", throttled: " + throttled
        + "; both stages Ready " + Duration.between(start, Instant.now()).toSeconds() + " s after apply");
    noOperationStartedTwice("dev", 1);
    noOperationStartedTwice("beta", 1);
    everyAccountHoldsTheBoundary("dev", List.of("200000000001", "200000000002", "200000000003"));
    everyAccountHoldsTheBoundary("beta", List.of("300000000001", "300000000002"));
  }

  @Test
  @Order(2)
  void everyAwsServiceUnavailableForAMinuteMidRollout() throws Exception {
    emulator.setOperationTiming(3.0, 0);
    h.applySample("stage-prod.yaml");
    awaitRunning("prod");
    Instant start = Instant.now();
    emulator.addFault(Fault.unavailable(null, 1.0));
    during(Duration.ofMinutes(1), () -> neverStalled("prod"));
    long refused = emulator.calls().stream().filter(c -> "unavailable".equals(c.fault())).count();
    emulator.clearFaults();
    h.awaitCondition("prod", "Ready", "True", Duration.ofSeconds(120));
    Figures.record("unavailable-1min", refused + " calls answered 503; Ready "
        + Duration.between(start, Instant.now()).toSeconds() + " s after the outage began");
    noOperationStartedTwice("prod", 1);
    everyAccountHoldsTheBoundary("prod", List.of("400000000001", "400000000002", "400000000003", "400000000004"));
  }

  @Test
  @Order(3)
  void theApiServerRestartedWithAnOperationInFlight() throws Exception {
    emulator.setOperationTiming(3.0, 0);
    Function<String, String> change = y -> y.replace("\"savingsplans:CreateSavingsPlan\"]",
        "\"savingsplans:CreateSavingsPlan\", \"guardduty:*\"]");
    h.apply(change.apply(OperatorHarness.read("samples/stage-dev.yaml")));
    awaitRunning("dev");
    Instant start = Instant.now();
    peers.kube().restartApiServer();
    h.awaitCondition("dev", "Ready", "True", Duration.ofSeconds(90));
    await().atMost(Duration.ofSeconds(30)).until(() -> h.stage("dev").getStatus().revision() != null
        && writeOperations("dev").size() == 2);
    Figures.record("api-server-restart", "Ready " + Duration.between(start, Instant.now()).toSeconds()
        + " s after the restart began");
    noOperationStartedTwice("dev", 2);  // the first rollout and this update
    everyAccountHoldsTheBoundary("dev", List.of("200000000001", "200000000002", "200000000003"));
  }
}
