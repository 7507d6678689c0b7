package io.stageboundary.testenv;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A real kube-state-metrics (built by hack/install-ksm.sh) watching the test API server with a
 * custom-resource-state configuration, serving only those metrics.
 */
public final class KubeStateMetricsPeer implements AutoCloseable {
  private final LocalProcess process;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private KubeStateMetricsPeer(LocalProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  public static KubeStateMetricsPeer start(PeerLayout layout, KubePeer kube, Path config) {
    Path bin = layout.kubeStateMetrics();
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException("kube-state-metrics not found at " + bin + "; run hack/setup.sh first");
    }
    int port = FreePort.pick();
    int telemetry = FreePort.pick();
    LocalProcess p = new LocalProcess("kube-state-metrics", List.of(bin.toString(),
        "--kubeconfig=" + kube.kubeconfig(), "--host=127.0.0.1", "--port=" + port,
        "--telemetry-host=127.0.0.1", "--telemetry-port=" + telemetry,
        "--custom-resource-state-only=true",
        "--custom-resource-state-config-file=" + config.toAbsolutePath()),
        Map.of(), kube.workDir().resolve("kube-state-metrics.log")).start();
    KubeStateMetricsPeer peer = new KubeStateMetricsPeer(p, port);
    Instant deadline = Instant.now().plusSeconds(60);
    while (true) {
      p.checkAlive();
      try {
        if (peer.get("/livez").statusCode() == 200) {
          return peer;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (Instant.now().isAfter(deadline)) {
        peer.close();
        throw new IllegalStateException("kube-state-metrics did not come up; log:\n" + p.tail(40));
      }
      sleep();
    }
  }

  /** The Prometheus exposition on /metrics. */
  public String scrape() {
    try {
      HttpResponse<String> r = get("/metrics");
      if (r.statusCode() != 200) {
        throw new IllegalStateException("kube-state-metrics /metrics: " + r.statusCode() + " " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new IllegalStateException("kube-state-metrics /metrics: " + e.getMessage() + "; log:\n" + process.tail(40), e);
    }
  }

  public String log() {
    return process.tail(200);
  }

  private HttpResponse<String> get(String path) throws IOException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
