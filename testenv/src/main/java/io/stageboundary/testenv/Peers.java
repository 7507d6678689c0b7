package io.stageboundary.testenv;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The real peers of a test run: a kube-apiserver with etcd and the AWS emulator, started once and
 * shared. {@link #resetAws()} gives a test class a freshly seeded organisation.
 */
public final class Peers implements AutoCloseable {
  private final PeerLayout layout;
  private final Path workDir;
  private final boolean ownsWorkDir;
  private final KubePeer kube;
  private final AwsEmulator aws;
  private final AwsClients awsClients;
  private final KubernetesClient kubeClient;
  private SeededOrganization organization;

  private Peers(PeerLayout layout, Path workDir, boolean ownsWorkDir, KubePeer kube, AwsEmulator aws) {
    this.layout = layout;
    this.workDir = workDir;
    this.ownsWorkDir = ownsWorkDir;
    this.kube = kube;
    this.aws = aws;
    this.awsClients = new AwsClients(aws.endpoint());
    this.kubeClient = kube.adminClient();
  }

  /**
   * Starts both peers under {@code -Dsbo.peers.dir} (emptied first and kept afterwards, so the
   * peers' logs can be read after a failed run), or else under a temporary directory that is
   * removed on close.
   */
  public static Peers start() {
    try {
      String dir = System.getProperty("sbo.peers.dir");
      if (dir != null && !dir.isBlank()) {
        Path path = Path.of(dir);
        deleteTree(path);
        return start(Files.createDirectories(path), false);
      }
      return start(Files.createTempDirectory("sbo-peers"), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Peers start(Path workDir, boolean ownsWorkDir) {
    return start(workDir, ownsWorkDir, AwsEmulator.configuredWorkers());
  }

  /** As {@link #start(Path, boolean)}, with the emulator's number of worker processes. */
  public static Peers start(Path workDir, boolean ownsWorkDir, int emulatorWorkers) {
    PeerLayout layout = PeerLayout.discover();
    layout.requireInstalled();
    KubePeer kube = null;
    try {
      kube = KubePeer.start(layout, workDir.resolve("kube"));
      AwsEmulator aws = AwsEmulator.start(layout, workDir, emulatorWorkers);
      return new Peers(layout, workDir, ownsWorkDir, kube, aws);
    } catch (RuntimeException e) {
      if (kube != null) {
        kube.close();
      }
      throw e;
    }
  }

  public PeerLayout layout() {
    return layout;
  }

  public KubePeer kube() {
    return kube;
  }

  /** Admin client of the API server (group system:masters); shared, do not close. */
  public KubernetesClient kubeClient() {
    return kubeClient;
  }

  /**
   * Waits until the named CRD is Established. Polls: {@code kubectl wait} fails outright while a
   * new CRD has no conditions yet.
   */
  public void awaitCrdEstablished(String crd) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      var c = kubeClient.apiextensions().v1().customResourceDefinitions().withName(crd).get();
      if (c != null && c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions()
          .stream().anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus()))) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("CRD " + crd + " not Established after 60 s");
  }

  public AwsEmulator aws() {
    return aws;
  }

  public EmulatorAdmin emulator() {
    return aws.admin();
  }

  public AwsClients awsClients() {
    return awsClients;
  }

  /** The real CDK CLI, pointed at the emulator. */
  public CdkCli cdk() {
    return new CdkCli(layout, aws.endpoint(), awsClients);
  }

  /** The organisation of the last {@link #resetAws()}. */
  public SeededOrganization organization() {
    if (organization == null) {
      throw new IllegalStateException("the emulator has not been seeded; call resetAws()");
    }
    return organization;
  }

  /** Clears all AWS state and seeds the standard organisation again. */
  public SeededOrganization resetAws() {
    aws.admin().reset();
    awsClients.forgetSessions();
    organization = OrganizationSeeder.seed(aws.admin(), awsClients, layout().repoRoot().resolve("docs/iam"));
    return organization;
  }

  public Path workDir() {
    return workDir;
  }

  @Override
  public void close() {
    kubeClient.close();
    awsClients.close();
    aws.close();
    kube.close();
    if (ownsWorkDir) {
      deleteTree(workDir);
    }
  }

  /** Deletes a directory and what it holds, as far as it can: for work files of the peers and tools. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
