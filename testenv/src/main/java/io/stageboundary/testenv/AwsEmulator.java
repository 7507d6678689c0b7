package io.stageboundary.testenv;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * moto_server with the project's extension (emulator/sbo_emulator), on a loopback port. The
 * extension adds the StackSet semantics moto lacks, fault injection and an admin API; see
 * emulator/README.md. It runs as a front and {@link #workers()} worker processes, each holding the
 * state of the accounts it owns (emulator/sbo_emulator/cluster.py).
 */
public final class AwsEmulator implements AutoCloseable {
  public static final String REGION = "us-east-1";
  /**
   * Workers unless {@code -Dsbo.emulator.workers} or {@code SBO_EMULATOR_WORKERS} says otherwise:
   * two, so that every test goes through the calls between workers as the benchmark does.
   */
  public static final int DEFAULT_WORKERS = 2;

  private final LocalProcess process;
  private final int port;
  private final int workers;
  private final EmulatorAdmin admin;

  private AwsEmulator(LocalProcess process, int port, int workers) {
    this.process = process;
    this.port = port;
    this.workers = workers;
    this.admin = new EmulatorAdmin(endpoint());
  }

  /** The number of workers asked for by {@code -Dsbo.emulator.workers}, {@code SBO_EMULATOR_WORKERS}, or the default. */
  public static int configuredWorkers() {
    String value = System.getProperty("sbo.emulator.workers", System.getenv("SBO_EMULATOR_WORKERS"));
    return value == null || value.isBlank() ? DEFAULT_WORKERS : Integer.parseInt(value.trim());
  }

  public static AwsEmulator start(PeerLayout layout, Path workDir) {
    return start(layout, workDir, configuredWorkers());
  }

  public static AwsEmulator start(PeerLayout layout, Path workDir, int workers) {
    layout.requireInstalled();
    int port = FreePort.pick();
    LocalProcess p = new LocalProcess("aws-emulator", List.of(
        layout.motoPython().toString(), "-m", "sbo_emulator", "-H", "127.0.0.1", "-p",
        String.valueOf(port), "--workers", String.valueOf(workers)),
        Map.of("PYTHONPATH", layout.emulatorSources().toString(),
            "PYTHONDONTWRITEBYTECODE", "1",
            // the IAM evaluator behind SimulatePrincipalPolicy (a separate Node process)
            "SBO_IAM_SIMULATE_DIR", layout.iamSimulateDir().toString(),
            // moto must decide the account per request (header or credentials), never globally.
            "MOTO_ACCOUNT_ID", ""),
        workDir.resolve("aws-emulator.log")).start();
    AwsEmulator emulator = new AwsEmulator(p, port, workers);
    try {
      emulator.waitUntilHealthy(Duration.ofSeconds(60));
      return emulator;
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public int port() {
    return port;
  }

  public int workers() {
    return workers;
  }

  public EmulatorAdmin admin() {
    return admin;
  }

  public Path log() {
    return process.log();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.close();
  }

  private void waitUntilHealthy(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      process.checkAlive();
      try {
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(endpoint().resolve("/_sbo/health"))
                .timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      KubePeer.sleep(200);
    }
    throw new IllegalStateException("AWS emulator not healthy after " + timeout + "; see "
        + process.log() + ":\n" + process.tail(30));
  }
}
