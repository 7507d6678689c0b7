package io.stageboundary.benchmark;

import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.Peers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator (operator/target/quarkus-app) run as its own process the way its container
 * runs it — {@code java -jar} with the image's JVM options and a container-sized {@code MaxRAM} —
 * and sampled while it works: peak resident memory (VmHWM), heap in use (from its own metrics),
 * CPU time (/proc/PID/stat), and the time it spent inside AWS calls.
 */
final class OperatorUnderTest implements AutoCloseable {
  private static final long CLOCK_TICKS_PER_SECOND = 100;  // USER_HZ on Linux
  private final Process process;
  private final Path javaHome;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "operator-sampler");
    t.setDaemon(true);
    return t;
  });
  private volatile long peakHeapBytes;

  private OperatorUnderTest(Process process, int port, Path javaHome) {
    this.javaHome = javaHome;
    this.process = process;
    this.port = port;
    sampler.scheduleAtFixedRate(this::sampleHeap, 1, 1, TimeUnit.SECONDS);
  }

  /** The environment the image sets ({@code ENV NAME=value} lines of the Dockerfile). */
  static Map<String, String> imageEnvironment(Path repoRoot) {
    try {
      Map<String, String> env = new LinkedHashMap<>();
      for (String line : Files.readAllLines(repoRoot.resolve("Dockerfile"))) {
        if (line.startsWith("ENV ") && line.contains("=")) {
          String assignment = line.substring(4).trim();
          env.put(assignment.substring(0, assignment.indexOf('=')),
              assignment.substring(assignment.indexOf('=') + 1).replace("\"", "").trim());
        }
      }
      return env;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** JAVA_TOOL_OPTIONS of the image, read from the Dockerfile. */
  static String imageJavaOptions(Path repoRoot) {
    String options = imageEnvironment(repoRoot).get("JAVA_TOOL_OPTIONS");
    if (options == null) {
      throw new IllegalStateException("the Dockerfile sets no JAVA_TOOL_OPTIONS");
    }
    return options;
  }

  /** What the JVM in a container with {@code memoryLimitMiB} sees: its memory limit, then the options. */
  static List<String> jvmOptions(int memoryLimitMiB, String javaOptions) {
    List<String> options = new ArrayList<>();
    options.add("-XX:MaxRAM=" + memoryLimitMiB + "m");
    for (String o : javaOptions.trim().split("\\s+")) {
      if (!o.isEmpty() && !o.startsWith("-Djava.io.tmpdir")) {
        options.add(o);
      }
    }
    return options;
  }

  static OperatorUnderTest start(Peers peers, Path javaHome, Path jar, Path log, List<String> jvmOptions,
      String pollInterval) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no packaged operator at " + jar + "; run ./mvnw -pl operator -am package -DskipTests");
    }
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(javaHome.resolve("bin/java").toString());
      cmd.addAll(jvmOptions);
      cmd.addAll(List.of("-jar", jar.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // the image's environment; its JVM options go on the command line (they may be overridden)
      pb.environment().putAll(imageEnvironment(peers.layout().repoRoot()));
      pb.environment().remove("JAVA_TOOL_OPTIONS");
      pb.environment().put("KUBECONFIG", peers.kube().kubeconfig().toString());
      pb.environment().put("AWS_ACCESS_KEY_ID", AwsClients.ACCESS_KEY_ID);
      pb.environment().put("AWS_SECRET_ACCESS_KEY", AwsClients.SECRET_ACCESS_KEY);
      pb.environment().put("AWS_REGION", "us-east-1");
      pb.environment().put("SBO_AWS_ENDPOINT", peers.aws().endpoint().toString());
      pb.environment().put("SBO_POLL_INTERVAL", pollInterval);
      pb.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
      pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
      OperatorUnderTest op = new OperatorUnderTest(pb.start(), port, javaHome);
      op.awaitReady(log);
      return op;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitReady(Path log) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the operator exited (" + process.exitValue() + "); see " + log);
      }
      try {
        if (http.send(request("/q/health/ready"), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      Sleep.millis(250);
    }
    throw new IllegalStateException("the operator did not become ready in 60 s; see " + log);
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
  }

  String metrics() {
    try {
      return http.send(request("/q/metrics"), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void sampleHeap() {
    try {
      long used = (long) Prometheus.sum(metrics(), "jvm_memory_used_bytes", l -> l.contains("area=\"heap\""));
      peakHeapBytes = Math.max(peakHeapBytes, used);
    } catch (RuntimeException e) {
      // a missed sample; the next one comes in a second
    }
  }

  long peakHeapBytes() {
    sampleHeap();
    return peakHeapBytes;
  }

  /** Peak resident set size of the process so far (VmHWM), in bytes. */
  long peakRssBytes() {
    return statusField("VmHWM:");
  }

  long rssBytes() {
    return statusField("VmRSS:");
  }

  private long statusField(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024;
        }
      }
      throw new IllegalStateException("no " + field + " in /proc/" + process.pid() + "/status");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** User plus system CPU time of the process so far. */
  Duration cpuTime() {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
      // fields after the command name in parentheses; utime and stime are fields 14 and 15
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return Duration.ofMillis(ticks * 1000 / CLOCK_TICKS_PER_SECOND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Seconds the operator has spent inside AWS calls, from its stage_boundary_aws_call_seconds timer. */
  double secondsInAws() {
    return Prometheus.sum(metrics(), "stage_boundary_aws_call_seconds_sum");
  }

  /**
   * Forces a full collection and writes the class histogram of what is live (jcmd
   * GC.class_histogram) to {@code file}; returns the live heap in bytes.
   */
  long liveHeapBytes(Path file) {
    try {
      Process jcmd = new ProcessBuilder(javaHome.resolve("bin/jcmd").toString(),
          String.valueOf(process.pid()), "GC.class_histogram").redirectErrorStream(true)
          .redirectOutput(file.toFile()).start();
      if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
        throw new IllegalStateException("jcmd GC.class_histogram failed; see " + file);
      }
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith("Total ")) {
          return Long.parseLong(line.trim().split("\\s+")[2]);
        }
      }
      throw new IllegalStateException("no total in " + file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Wall-clock seconds with at least one AWS call in flight, from stage_boundary_aws_busy_seconds_total. */
  double busySeconds() {
    return Prometheus.sum(metrics(), "stage_boundary_aws_busy_seconds_total");
  }

  @Override
  public void close() {
    sampler.shutdownNow();
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The version of the JVM in {@code javaHome}, from its release file. */
  static String javaVersion(Path javaHome) {
    try {
      return Files.readAllLines(javaHome.resolve("release")).stream().filter(l -> l.startsWith("JAVA_VERSION="))
          .map(l -> l.substring("JAVA_VERSION=".length()).replace("\"", "")).findFirst().orElse("?");
    } catch (IOException e) {
      return System.getProperty("java.version");
    }
  }
}
