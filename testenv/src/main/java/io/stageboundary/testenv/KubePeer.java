package io.stageboundary.testenv;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real kube-apiserver with its own etcd, on loopback ports, with RBAC authorization and working
 * service-account tokens. There is no controller-manager: namespaces never finish deleting and
 * nothing is garbage-collected, which tests must keep in mind.
 *
 * <p>Our own launcher rather than kube-api-test's: it binds everything to 127.0.0.1, can restart
 * the API server alone on the same etcd and port (a reliability test needs that), sets the
 * service-account flags TokenRequest needs, and is shared by the tests and the demo.
 */
public final class KubePeer implements AutoCloseable {
  private final PeerLayout layout;
  private final Path workDir;
  private final int etcdPort;
  private final int apiPort;
  private final Pki pki;
  private final Path kubeconfig;
  private LocalProcess etcd;
  private LocalProcess apiServer;

  private KubePeer(PeerLayout layout, Path workDir) {
    this.layout = layout;
    this.workDir = workDir;
    this.etcdPort = FreePort.pick();
    this.apiPort = FreePort.pick();
    this.pki = Pki.create(workDir.resolve("pki"));
    this.kubeconfig = workDir.resolve("kubeconfig");
  }

  /** Starts etcd and the API server under {@code workDir} and waits until /readyz says ok. */
  public static KubePeer start(PeerLayout layout, Path workDir) {
    layout.requireInstalled();
    KubePeer peer = new KubePeer(layout, workDir);
    try {
      peer.writeKubeconfig();
      peer.startEtcd();
      peer.startApiServer();
      return peer;
    } catch (RuntimeException e) {
      peer.close();
      throw e;
    }
  }

  public String apiServerUrl() {
    return "https://127.0.0.1:" + apiPort;
  }

  /** kubeconfig of the admin user (client certificate in group system:masters). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  public Config adminConfig() {
    try {
      return Config.fromKubeconfig(Files.readString(kubeconfig));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(adminConfig()).build();
  }

  /** A client that authenticates as admin but acts as {@code user} (RBAC checks that user). */
  public KubernetesClient impersonating(String user, String... groups) {
    Config config = adminConfig();
    config.setImpersonateUsername(user);
    config.setImpersonateGroups(groups);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Runs the pinned kubectl against this API server; returns its output or fails with it. */
  public String kubectl(String... args) {
    KubectlResult r = tryKubectl(args);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed ("
          + r.exitCode() + "):\n" + r.output());
    }
    return r.output();
  }

  public KubectlResult tryKubectl(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(layout.kubeBinDir().resolve("kubectl").toString());
    cmd.add("--kubeconfig=" + kubeconfig);
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl timed out: " + cmd);
      }
      return new KubectlResult(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public record KubectlResult(int exitCode, String output) {}

  /** Stops the API server and starts it again on the same port and etcd, as an upgrade would. */
  public void restartApiServer() {
    apiServer.close();
    startApiServer();
  }

  /** Stops the API server only; {@link #startApiServerAgain()} brings it back. */
  public void stopApiServer() {
    apiServer.close();
  }

  public void startApiServerAgain() {
    startApiServer();
  }

  public Path workDir() {
    return workDir;
  }

  @Override
  public void close() {
    if (apiServer != null) {
      apiServer.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private void startEtcd() {
    String client = "http://127.0.0.1:" + etcdPort;
    String peerUrl = "http://127.0.0.1:" + FreePort.pick();
    etcd = new LocalProcess("etcd", List.of(
        layout.kubeBinDir().resolve("etcd").toString(),
        "--name=default",
        "--data-dir=" + workDir.resolve("etcd-data"),
        "--listen-client-urls=" + client,
        "--advertise-client-urls=" + client,
        "--listen-peer-urls=" + peerUrl,
        "--initial-advertise-peer-urls=" + peerUrl,
        "--initial-cluster=default=" + peerUrl,
        "--listen-metrics-urls=http://127.0.0.1:" + FreePort.pick(),
        // Test data is thrown away; skipping fsync makes every write an order of magnitude faster.
        "--unsafe-no-fsync=true",
        "--log-level=warn"), Map.of(), workDir.resolve("etcd.log")).start();
  }

  private void startApiServer() {
    apiServer = new LocalProcess("kube-apiserver", List.of(
        layout.kubeBinDir().resolve("kube-apiserver").toString(),
        "--etcd-servers=http://127.0.0.1:" + etcdPort,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--secure-port=" + apiPort,
        "--cert-dir=" + workDir.resolve("apiserver-certs"),
        "--tls-cert-file=" + pki.servingCert,
        "--tls-private-key-file=" + pki.servingKey,
        "--client-ca-file=" + pki.caCert,
        "--authorization-mode=RBAC",
        "--service-cluster-ip-range=10.0.0.0/24",
        "--allow-privileged=true",
        // No controller-manager creates ServiceAccount tokens or default accounts.
        "--disable-admission-plugins=ServiceAccount",
        "--service-account-issuer=https://kubernetes.default.svc",
        "--service-account-key-file=" + pki.serviceAccountPub,
        "--service-account-signing-key-file=" + pki.serviceAccountKey,
        "--profiling=false",
        "--v=1"), Map.of(), workDir.resolve("kube-apiserver.log")).start();
    waitUntilReady(Duration.ofMinutes(2));
  }

  private void waitUntilReady(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    Config config = adminConfig();
    config.setRequestTimeout(5_000);
    config.setConnectionTimeout(2_000);
    config.setRequestRetryBackoffLimit(0);
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      while (Instant.now().isBefore(deadline)) {
        etcd.checkAlive();
        apiServer.checkAlive();
        try {
          if ("ok".equals(client.raw("/readyz"))
              && client.namespaces().withName("default").get() != null) {
            return;
          }
        } catch (RuntimeException notYet) {
          // connection refused while it starts
        }
        sleep(250);
      }
    }
    throw new IllegalStateException("kube-apiserver not ready after " + timeout + "; see "
        + apiServer.log() + ":\n" + apiServer.tail(30));
  }

  private void writeKubeconfig() {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: admin
          user:
            client-certificate-data: %s
            client-key-data: %s
        contexts:
        - name: local
          context: {cluster: local, user: admin, namespace: default}
        current-context: local
        """.formatted(apiServerUrl(), b64(pki.caCert), b64(pki.adminCert), b64(pki.adminKey));
    try {
      Files.writeString(kubeconfig, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String b64(Path file) {
    try {
      return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
