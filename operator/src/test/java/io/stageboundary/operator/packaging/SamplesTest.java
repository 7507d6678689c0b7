package io.stageboundary.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.e2e.OperatorHarness;
import io.stageboundary.testenv.KubePeer;
import io.stageboundary.testenv.KubePeer.KubectlResult;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every sample passes `kubectl apply --dry-run=server` against the real API server, with Argo CD's
 * own Application CRD installed for the Argo CD samples: what a user copies is accepted as is.
 */
@PeersExtension.WithPeers
class SamplesTest {
  @TempDir
  Path work;
  private static KubePeer kube;

  @BeforeAll
  static void start(Peers peers) throws IOException {
    kube = peers.kube();
    OperatorHarness.installCrds(peers.kubeClient());
    try (Stream<Path> files = Files.list(peers.layout().thirdPartyCrds())) {
      for (Path crd : files.filter(f -> f.getFileName().toString().startsWith("argocd-")).toList()) {
        kube.kubectl("apply", "--server-side", "--force-conflicts", "-f", crd.toString());
      }
    }
    kube.tryKubectl("create", "namespace", "argocd");
    peers.awaitCrdEstablished("applications.argoproj.io");
  }

  @Test
  void everySampleIsAcceptedByTheApiServer() throws IOException {
    List<Path> samples;
    try (Stream<Path> s = Files.list(OperatorHarness.REPO.resolve("samples"))) {
      samples = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(samples).extracting(p -> p.getFileName().toString()).contains("organization.yaml",
        "stage-dev.yaml", "stage-beta.yaml", "stage-prod.yaml", "argocd-application.yaml", "argocd-cm.yaml");
    for (Path sample : samples) {
      KubectlResult r = kube.tryKubectl("apply", "--dry-run=server", "-f", sample.toString());
      assertThat(r.exitCode()).as("%s:\n%s", sample.getFileName(), r.output()).isZero();
      assertThat(r.output()).contains("(server dry run)");
    }
    // and as one directory, the way a GitOps tool applies them
    KubectlResult all = kube.tryKubectl("apply", "--server-side", "--dry-run=server", "-f",
        OperatorHarness.REPO.resolve("samples").toString());
    assertThat(all.exitCode()).as(all.output()).isZero();
  }

  @Test
  void aBrokenSampleWouldBeCaught() throws IOException {
    Path bad = Files.createTempFile(work, "stage", ".yaml");
    Files.writeString(bad, Files.readString(OperatorHarness.REPO.resolve("samples/stage-dev.yaml"))
        .replace("effect: Deny", "effect: Maybe"));
    KubectlResult r = kube.tryKubectl("apply", "--dry-run=server", "-f", bad.toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("effect");
  }
}
