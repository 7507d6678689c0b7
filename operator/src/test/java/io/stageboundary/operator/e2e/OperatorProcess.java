package io.stageboundary.operator.e2e;

import io.stageboundary.operator.packaging.DockerfileIT;
import io.stageboundary.testenv.Peers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The packaged operator (target/quarkus-app) started the way its container starts it: java -jar,
 * the image's JVM options, configuration from the environment, output to a log file.
 */
final class OperatorProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private OperatorProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static OperatorProcess start(Peers peers, Path log, Map<String, String> extraEnv) {
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path jar = Path.of(System.getProperty("sbo.operator.jar", "target/quarkus-app/quarkus-run.jar"));
      ProcessBuilder pb = new ProcessBuilder(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar.toString()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(DockerfileIT.environment());  // the image's JVM options and environment
      pb.environment().put("KUBECONFIG", peers.kube().kubeconfig().toString());
      // recognisable credentials, looked for in the output by the tests
      pb.environment().put("AWS_ACCESS_KEY_ID", NoLeakTest.KEY_ID);
      pb.environment().put("AWS_SECRET_ACCESS_KEY", NoLeakTest.SECRET);
      pb.environment().put("AWS_SESSION_TOKEN", NoLeakTest.TOKEN);
      pb.environment().put("AWS_REGION", "us-east-1");
      pb.environment().put("SBO_AWS_ENDPOINT", peers.aws().endpoint().toString());
      pb.environment().put("SBO_POLL_INTERVAL", "300ms");
      pb.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
      pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
      pb.environment().putAll(extraEnv);
      return new OperatorProcess(pb.start(), port, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or released. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
