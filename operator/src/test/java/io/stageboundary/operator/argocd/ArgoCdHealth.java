package io.stageboundary.operator.argocd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Argo CD health checks with gopher-lua through hack/argocd-health.sh (the runner in
 * tools/argocd-health, built on first use).
 */
public final class ArgoCdHealth {
  public static final Path REPO = Path.of(System.getProperty("sbo.repo.root", "..")).toAbsolutePath().normalize();

  public record Status(String status, String message) {}

  public record Run(int exitCode, String output) {}

  private ArgoCdHealth() {}

  /** The health status the check gives the object. */
  public static Status eval(Path script, Path object) {
    Run r = run("eval", script.toAbsolutePath().toString(), object.toAbsolutePath().toString());
    if (r.exitCode() != 0) {
      throw new AssertionError("health check " + script + " failed on " + object + ": " + r.output());
    }
    try {
      String json = r.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(
          () -> new AssertionError("no result from the runner: " + r.output()));
      JsonNode n = new ObjectMapper().readTree(json);
      return new Status(n.path("status").asText(), n.path("message").asText());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs a check's health_test.yaml the way Argo CD's own tests do. */
  public static Run test(Path dir) {
    return run("test", dir.toAbsolutePath().toString());
  }

  private static Run run(String... args) {
    List<String> cmd = new ArrayList<>(List.of(REPO.resolve("hack/argocd-health.sh").toString()));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("argocd-health timed out");
      }
      return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run hack/argocd-health.sh", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
