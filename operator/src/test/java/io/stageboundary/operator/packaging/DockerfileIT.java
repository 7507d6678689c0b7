package io.stageboundary.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile (no container engine runs here) agrees with the build output and the chart: what
 * it copies exists after `package`, the entry point is the jar the packaged-process test starts,
 * the user, port and JVM options are the ones the chart assumes.
 */
public class DockerfileIT {
  private static final Path REPO = Helm.LAYOUT.repoRoot();

  static List<String[]> instructions() throws IOException {
    List<String[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(REPO.resolve("Dockerfile"))) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("#")) {
        int sp = l.indexOf(' ');
        out.add(new String[] {l.substring(0, sp), l.substring(sp + 1).strip()});
      }
    }
    return out;
  }

  static String one(String instruction) throws IOException {
    List<String> found = instructions().stream().filter(i -> i[0].equals(instruction)).map(i -> i[1]).toList();
    assertThat(found).as(instruction).hasSize(1);
    return found.get(0);
  }

  /** The environment the image sets, one {@code ENV NAME=value} per line. */
  public static Map<String, String> environment() throws IOException {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (String[] i : instructions()) {
      if (i[0].equals("ENV")) {
        assertThat(i[1]).as("ENV %s", i[1]).matches("[A-Z_]+=.*");
        env.put(i[1].substring(0, i[1].indexOf('=')), i[1].substring(i[1].indexOf('=') + 1).replace("\"", ""));
      }
    }
    return env;
  }

  /** The JVM options the image sets (the packaged-process test starts the jar with them). */
  public static String javaToolOptions() throws IOException {
    assertThat(environment()).containsKey("JAVA_TOOL_OPTIONS");
    return environment().get("JAVA_TOOL_OPTIONS");
  }

  @Test
  void everythingItCopiesIsWhatTheBuildProduces() throws IOException {
    List<String[]> copies = instructions().stream().filter(i -> i[0].equals("COPY")).toList();
    assertThat(copies).hasSize(4);
    for (String[] c : copies) {
      String source = c[1].split("\\s+")[0];
      assertThat(REPO.resolve(source)).as("COPY %s", source).exists();
    }
    assertThat(one("ENTRYPOINT")).isEqualTo("[\"java\", \"-jar\", \"/deployments/quarkus-run.jar\"]");
    assertThat(copies).anyMatch(c -> c[1].endsWith("/deployments/quarkus-run.jar"));
    assertThat(Files.readString(REPO.resolve(".dockerignore"))).contains("!operator/target/quarkus-app/");
  }

  @Test
  void userPortAndJvmOptionsMatchTheChart() throws IOException {
    Deployment d = Helm.one(Helm.objects(Helm.template(Map.of())), Deployment.class);
    var pod = d.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    String[] user = one("USER").split(":");
    assertThat(Long.parseLong(user[0])).isNotZero().isEqualTo(pod.getSecurityContext().getRunAsUser());
    assertThat(Integer.parseInt(one("EXPOSE"))).isEqualTo(container.getPorts().get(0).getContainerPort());
    // every variable the image sets, the chart sets to the same value (it replaces JAVA_TOOL_OPTIONS)
    assertThat(environment()).containsKeys("JAVA_TOOL_OPTIONS", "MALLOC_ARENA_MAX").allSatisfy((name, value) ->
        assertThat(container.getEnv()).as(name).anySatisfy(e -> {
          assertThat(e.getName()).isEqualTo(name);
          assertThat(e.getValue()).isEqualTo(value);
        }));
    assertThat(one("FROM")).matches("eclipse-temurin:\\d+-jre");
  }
}
