package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.monitoring.GrafanaDashboard;
import io.stageboundary.operator.monitoring.PromQueries;
import io.stageboundary.operator.packaging.DockerfileIT;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
  private static Process process;
  private static int port;
  private static OperatorHarness h;
  private static Path log;

  @BeforeAll
  static void start(Peers peers) throws IOException {
    peers.emulator().setOperationTiming(0.3, 0);
    h = OperatorHarness.start(peers);
    h.stopOperator();
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path jar = Path.of(System.getProperty("sbo.operator.jar", "target/quarkus-app/quarkus-run.jar"));
    log = Files.createTempFile("operator", ".log");
    ProcessBuilder pb = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar.toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    // the JVM options the container image sets
    pb.environment().put("JAVA_TOOL_OPTIONS", DockerfileIT.javaToolOptions());
    pb.environment().put("KUBECONFIG", peers.kube().kubeconfig().toString());
    pb.environment().put("AWS_ACCESS_KEY_ID", AwsClients.ACCESS_KEY_ID);
    pb.environment().put("AWS_SECRET_ACCESS_KEY", AwsClients.SECRET_ACCESS_KEY);
    pb.environment().put("AWS_REGION", "us-east-1");
    pb.environment().put("SBO_AWS_ENDPOINT", peers.aws().endpoint().toString());
    pb.environment().put("SBO_POLL_INTERVAL", "300ms");
    pb.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
    pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
    process = pb.start();
  }

  @AfterAll
  static void stop() throws Exception {
    h.startOperator();
    h.close();
    if (process != null) {
      process.destroy();
      process.waitFor();
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
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
