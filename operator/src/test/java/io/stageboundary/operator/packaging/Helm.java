package io.stageboundary.operator.packaging;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.stageboundary.testenv.PeerLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The pinned helm (hack/install-helm.sh) run against the chart in helm/stage-boundary-operator. */
public final class Helm {
  public static final PeerLayout LAYOUT = PeerLayout.discover();
  public static final Path CHART = LAYOUT.repoRoot().resolve("helm/stage-boundary-operator");
  public static final String RELEASE = "sbo";
  public static final String NAMESPACE = "sbo-system";
  public static final String FULLNAME = "sbo-stage-boundary-operator";

  public record Result(int exitCode, String output) {}

  private Helm() {}

  public static Result run(String... args) {
    Path bin = LAYOUT.helm();
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException("helm not found at " + bin + "; run hack/setup.sh first");
    }
    List<String> cmd = new ArrayList<>(List.of(bin.toString()));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("helm timed out: " + cmd);
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** helm template of the chart with the given --set values; fails with helm's output. */
  public static String template(Map<String, String> values, String... extra) {
    List<String> args = new ArrayList<>(List.of("template", RELEASE, CHART.toString(), "--namespace", NAMESPACE));
    values.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    args.addAll(List.of(extra));
    Result r = run(args.toArray(String[]::new));
    if (r.exitCode() != 0) {
      throw new IllegalStateException("helm template failed:\n" + r.output());
    }
    return r.output();
  }

  /** The objects of a rendered manifest. */
  public static List<HasMetadata> objects(String manifest) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : manifest.split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        Object o = Serialization.unmarshal(new ByteArrayInputStream(doc.getBytes(StandardCharsets.UTF_8)));
        out.add((HasMetadata) o);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  public static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<HasMetadata> found = objects.stream().filter(type::isInstance).toList();
    if (found.size() != 1) {
      throw new AssertionError(found.size() + " objects of " + type.getSimpleName());
    }
    return (T) found.get(0);
  }
}
