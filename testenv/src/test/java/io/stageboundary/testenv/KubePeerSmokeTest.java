package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class KubePeerSmokeTest {
  @Test
  void starts() throws Exception {
    var dir = Files.createTempDirectory("kube");
    try (KubePeer peer = KubePeer.start(PeerLayout.discover(), dir);
        KubernetesClient c = peer.adminClient()) {
      assertThat(c.getKubernetesVersion().getGitVersion()).isEqualTo("v1.34.4");
      System.out.println(peer.kubectl("get", "ns"));
    }
  }
}
