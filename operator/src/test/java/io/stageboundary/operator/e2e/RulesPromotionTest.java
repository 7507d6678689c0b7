package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRules;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesStatus;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Shared rules promoted dev → beta → prod on the real peers, with a soak of a few seconds: a new
 * revision reaches dev at once, beta only after dev has held it healthy for the soak, prod never
 * while beta is not Ready; a rollback to a revision every stage ran goes through at once.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RulesPromotionTest {
  private static final Duration SOAK = Duration.ofSeconds(6);
  private static final String CONFIG = "    - {sid: DenyModifyingConfig, effect: Deny, actions: [\"config:*\"], resources: [\"*\"]}\n";
  private static final String TRAILS = "    - {sid: DenyStoppingTrails, effect: Deny, actions: [\"cloudtrail:StopLogging\"], resources: [\"*\"]}\n";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static String r1;
  private static String r2;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    peers.emulator().setOperationTiming(0.2, 0);
    h = OperatorHarness.start(peers);
    h.applySample("organization.yaml");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String rules(String statements) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: BoundaryRules
        metadata: {name: shared}
        spec:
          statements:
        %s  promotion: {stages: [r-dev, r-beta, r-prod], soak: 6s}
        """.formatted(statements);
  }

  private static String stage(String name, String ou, String extra) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: %s}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-%s
            include: [{name: shared}]
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
          bootstrap: {enabled: false}
        %s""".formatted(name, name, org.ou(ou), extra);
  }

  private static String holds(String stage) {
    Stage s = h.stage(stage);
    if (s == null || s.getStatus() == null || s.getStatus().includes() == null) {
      return null;
    }
    return s.getStatus().includes().stream().filter(i -> i.name().equals("shared")).map(StageStatus.Included::revision)
        .findFirst().orElse(null);
  }

  private static boolean readyWith(String stage, String revision) {
    return revision.equals(holds(stage)) && OperatorHarness.is(h.stage(stage), "Ready", "True");
  }

  private static BoundaryRulesStatus.StageRevision entry(String stage) {
    return h.client().resources(BoundaryRules.class).withName("shared").get().getStatus().stages().stream()
        .filter(s -> s.stage().equals(stage)).findFirst().orElseThrow();
  }

  @Test
  @Order(1)
  void theFirstRevisionReachesEveryStageAtOnce() {
    h.apply(rules(CONFIG));
    h.apply(stage("r-dev", "dev", ""));
    h.apply(stage("r-beta", "beta", ""));
    h.apply(stage("r-prod", "prod-eu", "  rollout: {approval: Manual}\n"));
    h.approvePlansOf("r-prod");
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      String r = holds("r-dev");
      return r != null && readyWith("r-dev", r) && readyWith("r-beta", r) && readyWith("r-prod", r);
    });
    r1 = holds("r-dev");
    assertThat(h.client().resources(BoundaryRules.class).withName("shared").get().getStatus().revision()).isEqualTo(r1);
  }

  @Test
  @Order(2)
  void aNewRevisionReachesDevAtOnceAndBetaOnlyAfterDevsSoak() {
    h.apply(rules(CONFIG + TRAILS));
    await().atMost(Duration.ofSeconds(30)).until(() -> holds("r-dev") != null && !r1.equals(holds("r-dev"))
        && OperatorHarness.is(h.stage("r-dev"), "Ready", "True"));
    r2 = holds("r-dev");
    Instant devReady = Instant.now();
    await().atMost(Duration.ofSeconds(30)).until(() -> r2.equals(holds("r-beta")));
    assertThat(Duration.between(devReady, Instant.now())).as("beta waited for dev's soak")
        .isGreaterThanOrEqualTo(SOAK.minusSeconds(1));
    assertThat(holds("r-prod")).as("prod waits for beta's soak").isEqualTo(r1);
    assertThat(entry("r-prod").waitingFor()).contains("r-beta");
  }

  @Test
  @Order(3)
  void prodNeverGetsItWhileBetaIsNotReady() throws Exception {
    h.apply(stage("r-beta", "beta", "  suspend: true\n"));
    await().atMost(Duration.ofSeconds(20)).until(() -> !OperatorHarness.is(h.stage("r-beta"), "Ready", "True"));
    Thread.sleep(SOAK.multipliedBy(2).toMillis());
    assertThat(holds("r-prod")).isEqualTo(r1);
    assertThat(entry("r-prod").waitingFor()).isEqualTo("r-beta to be Ready, InSync and Enforced with " + r2);
    h.apply(stage("r-beta", "beta", ""));
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(readyWith("r-prod", r2))
        .as("rules %s; beta %s; prod %s", h.client().resources(BoundaryRules.class).withName("shared").get().getStatus(),
            h.stage("r-beta").getStatus().conditions(), h.stage("r-prod").getStatus()).isTrue());
    assertThat(entry("r-beta").soaked()).contains(r2);
  }

  @Test
  @Order(4)
  void aRollbackToARevisionEveryStageRanGoesThroughWithoutSoak() {
    h.apply(rules(CONFIG));
    Instant rollback = Instant.now();
    await().atMost(Duration.ofSeconds(30)).until(() -> readyWith("r-dev", r1) && readyWith("r-beta", r1)
        && readyWith("r-prod", r1));
    assertThat(Duration.between(rollback, Instant.now())).as("no soak on the way back").isLessThan(SOAK.multipliedBy(2));
    assertThat(h.client().v1().events().inAnyNamespace().list().getItems().stream()
        .filter(e -> "RulesPromoted".equals(e.getReason())).map(e -> e.getMessage()).toList())
        .anyMatch(m -> m.contains("to stage r-prod"));
  }
}
