package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.monitoring.PromQueries;
import io.stageboundary.testenv.KubeStateMetricsPeer;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * deploy/kube-state-metrics/custom-resource-state.yaml, loaded by a real kube-state-metrics
 * watching the real API server, turns the operator's status into the series it documents.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeStateMetricsTest {
  private static OperatorHarness h;
  private static KubeStateMetricsPeer ksm;
  private static SeededOrganization org;

  @BeforeAll
  static void start(Peers peers) {
    peers.emulator().setOperationTiming(0.2, 0);
    org = peers.organization();
    h = OperatorHarness.start(peers);
    h.apply(OperatorHarness.read("samples/organization.yaml"));
    h.apply(OperatorHarness.read("samples/boundary-rules.yaml"));
    h.apply(OperatorHarness.read("samples/stage-dev.yaml").replace("    regions: [us-east-1]",
        "    regions: [us-east-1]\n  driftCheckInterval: 2s"));
    h.awaitReady("dev");
    ksm = KubeStateMetricsPeer.start(peers.layout(), peers.kube(),
        OperatorHarness.REPO.resolve("deploy/kube-state-metrics/custom-resource-state.yaml"));
  }

  @AfterAll
  static void stop() {
    if (ksm != null) {
      ksm.close();
    }
    h.close();
  }

  private static Optional<Double> value(String metric, String... labels) {
    Map<String, String> want = new java.util.HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      want.put(labels[i], labels[i + 1]);
    }
    want.put("customresource_group", "iam.stageboundary.io");
    want.put("customresource_version", "v1alpha1");
    return PromQueries.value(ksm.scrape(), "kube_customresource_" + metric, want);
  }

  @Test
  @Order(1)
  void stageConditionsAndCountsBecomeSeries() {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(value("stage_condition", "stage", "dev", "condition", "Ready", "reason", "Ready")).contains(1.0);
      assertThat(value("stage_condition", "stage", "dev", "condition", "Stalled")).contains(0.0);
      assertThat(value("stage_accounts", "stage", "dev", "count", "targeted")).contains(3.0);
      assertThat(value("stage_accounts", "stage", "dev", "count", "boundaryCurrent")).contains(3.0);
      assertThat(value("stage_suspended", "stage", "dev")).contains(0.0);
    });
    assertThat(value("stage_generation", "stage", "dev")).contains(1.0);
    assertThat(value("stage_observed_generation", "stage", "dev")).contains(1.0);
    assertThat(value("awsorganization_condition", "awsorganization", "main", "condition", "Ready",
        "customresource_kind", "AwsOrganization")).contains(1.0);
  }

  @Test
  @Order(2)
  void stageAccountStatesAndDriftBecomeSeries() {
    String account = org.account("dev-data");
    String[] who = {"stage", "dev", "account", account, "stageaccount", "dev." + account};
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(value("stageaccount_boundary_state", with(who, "state", "CURRENT"))).contains(1.0);
      assertThat(value("stageaccount_boundary_state", with(who, "state", "DRIFTED"))).contains(0.0);
      assertThat(value("stageaccount_bootstrap_state", with(who, "state", "NOT_BOOTSTRAPPED"))).contains(1.0);
    });
    try (IamClient iam = h.aws().inAccount(account).iam()) {
      iam.deletePolicy(r -> r.policyArn("arn:aws:iam::" + account + ":policy/developer-policy-dev"));
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(value("stageaccount_boundary_state", with(who, "state", "DRIFTED"))).contains(1.0);
      assertThat(value("stageaccount_boundary_state", with(who, "state", "CURRENT"))).contains(0.0);
      assertThat(value("stageaccount_drift_info", with(who, "reason", "PolicyDeleted"))).contains(1.0);
      assertThat(value("stage_condition", "stage", "dev", "condition", "InSync")).contains(0.0);
    });
    // an account without drift has no drift series at all
    assertThat(value("stageaccount_drift_info", "stageaccount", "dev." + org.account("dev-payments"))).isEmpty();
  }

  private static String[] with(String[] base, String... more) {
    String[] out = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, out, base.length, more.length);
    return out;
  }
}
