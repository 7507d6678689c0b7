package io.stageboundary.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every script a new user runs answers {@code --help} at once: it prints its usage and sets nothing
 * up (the cache it would install into stays empty), so asking how to use it never costs a build.
 */
class ScriptHelpTest {
  @ParameterizedTest
  @ValueSource(strings = {"demo.sh", "test.sh", "benchmark.sh", "env-up.sh", "setup.sh"})
  void helpAnswersAtOnceAndSetsNothingUp(String script, @TempDir Path cache) throws Exception {
    Path file = Helm.LAYOUT.repoRoot().resolve("hack").resolve(script);
    ProcessBuilder pb = new ProcessBuilder("bash", file.toString(), "--help").redirectErrorStream(true);
    pb.environment().put("SBO_CACHE_DIR", cache.toString());
    Process p = pb.start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).as(script + " --help answers within 10 s").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("hack/" + script.replace(".sh", "")).doesNotContain("building", "installing");
    assertThat(listed(cache)).as("nothing was set up").isZero();
  }

  private static long listed(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.count();
    }
  }
}
