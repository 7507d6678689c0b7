package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.monitoring.GrafanaDashboard;
import io.stageboundary.operator.monitoring.PromQueries;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged application, started the way a container starts it (java -jar quarkus-run.jar,
 * configuration from the environment), rolls out the samples and serves health and Prometheus
 * metrics.
 */
@PeersExtension.WithPeers
class OperatorProcessIT {
  private static OperatorProcess process;
  private static OperatorHarness h;
  private static Path log;

  @BeforeAll
  static void start(Peers peers) throws IOException {
    peers.emulator().setOperationTiming(0.3, 0);
    h = OperatorHarness.start(peers);
    h.stopOperator();
    log = Files.createTempFile("operator", ".log");
    process = OperatorProcess.start(peers, log, Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    h.startOperator();
    h.close();
    if (process != null) {
      process.close();
    }
    String output = Files.readString(log);
    assertThat(output).as("the operator's output").contains("stage-boundary-operator");
    for (String secret : List.of(NoLeakTest.KEY_ID, NoLeakTest.SECRET, NoLeakTest.TOKEN)) {
      assertThat(output).as("the operator's output (%s)", log).doesNotContain(secret);
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return process.get(path);
  }

  @Test
  void thePackagedOperatorRollsOutTheSamplesAndReportsHealthAndMetrics() throws Exception {
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
      assertThat(process.isAlive()).as("operator process (log %s)", log).isTrue();
      assertThat(get("/q/health/ready").statusCode()).isEqualTo(200);
    });
    h.applySample("organization.yaml");
    h.applySample("stage-dev.yaml");
    h.applySample("stage-prod.yaml");
    h.awaitReady("dev");
    h.awaitReady("prod");
    String metrics = get("/q/metrics").body();
    assertThat(metrics)
        .contains("stage_boundary_aws_calls_total{")
        .contains("operation=\"CreateStackInstances\"")
        .contains("stage_boundary_aws_call_seconds_count");
    assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/q/health/started").statusCode()).isEqualTo(200);
  }

  @Test
  void everyMetricTheGrafanaDashboardQueriesIsExported() throws Exception {
    h.applySample("organization.yaml");
    h.applySample("stage-dev.yaml");
    h.awaitReady("dev");
    Set<String> exported = PromQueries.exported(get("/q/metrics").body());
    for (String query : GrafanaDashboard.queries(GrafanaDashboard.read())) {
      assertThat(exported).as("metrics the operator exports, for %s", query)
          .containsAll(PromQueries.metricNames(query));
    }
  }
}
