package io.stageboundary.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRDs users apply (crds/, and the Helm chart's copy) must be exactly what the build generates
 * from the API classes; run hack/update-crds.sh after changing them.
 */
class CrdsUpToDateTest {
  static final Path REPO = Path.of(System.getProperty("sbo.repo.root", "..")).toAbsolutePath().normalize();
  static final Path GENERATED = Path.of("target/crds-final").toAbsolutePath();

  private static List<Path> yamls(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void committedCrdsMatchTheGeneratedOnes() throws IOException {
    List<Path> generated = yamls(GENERATED);
    assertThat(generated).extracting(p -> p.getFileName().toString()).containsExactly(
        "awsorganizations.iam.stageboundary.io.yaml", "boundaryexceptions.iam.stageboundary.io.yaml",
        "boundaryrules.iam.stageboundary.io.yaml",
        "stageaccounts.iam.stageboundary.io.yaml",
        "stages.iam.stageboundary.io.yaml");
    for (Path dir : copies()) {
      assertThat(yamls(dir)).extracting(p -> p.getFileName().toString())
          .as("files in %s", REPO.relativize(dir))
          .containsExactlyElementsOf(generated.stream().map(p -> p.getFileName().toString()).toList());
      for (Path g : generated) {
        assertThat(Files.readString(dir.resolve(g.getFileName())))
            .as("%s differs from the generated CRD: run hack/update-crds.sh", REPO.relativize(dir.resolve(g.getFileName())))
            .isEqualTo(Files.readString(g));
      }
    }
  }

  private static List<Path> copies() {
    Path chart = REPO.resolve("helm/stage-boundary-operator/crds");
    return Files.isDirectory(chart) ? List.of(REPO.resolve("crds"), chart) : List.of(REPO.resolve("crds"));
  }
}
