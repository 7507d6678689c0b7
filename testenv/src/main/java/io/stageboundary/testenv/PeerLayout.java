package io.stageboundary.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the peers live on this machine: the repository (for the emulator extension and the pinned
 * versions in {@code hack/versions.env}) and the cache the {@code hack/install-*.sh} scripts fill.
 * Mirrors {@code hack/lib.sh}, so the Java side and the scripts always agree on paths.
 */
public record PeerLayout(Path repoRoot, Path cacheDir, Map<String, String> versions) {

  public static PeerLayout discover() {
    Path root = findRepoRoot();
    return new PeerLayout(root, findCacheDir(), readVersions(root.resolve("hack/versions.env")));
  }

  public String version(String key) {
    String v = versions.get(key);
    if (v == null) {
      throw new IllegalStateException(key + " is not pinned in hack/versions.env");
    }
    return v;
  }

  public Path kubeBinDir() {
    return kubeApiTestDir().resolve("k8s").resolve(version("KUBERNETES_VERSION") + "-linux-amd64");
  }

  public Path kubeApiTestDir() {
    String env = System.getenv("KUBE_API_TEST_DIR");
    return env != null && !env.isBlank() ? Path.of(env) : cacheDir.resolve("kubeapitest");
  }

  public Path motoPython() {
    return cacheDir.resolve("moto-" + version("MOTO_VERSION")).resolve("bin/python");
  }

  public Path emulatorSources() {
    return repoRoot.resolve("emulator");
  }

  /** @cloud-copilot/iam-simulate (AGPL-3.0): the emulator's IAM evaluator, a test peer only. */
  public Path iamSimulateDir() {
    return cacheDir.resolve("iam-simulate-" + version("IAM_SIMULATE_VERSION"));
  }

  public Path cdkPackageDir() {
    return cacheDir.resolve("aws-cdk-" + version("AWS_CDK_VERSION")).resolve("node_modules/aws-cdk");
  }

  public Path kubeStateMetrics() {
    return cacheDir.resolve("kube-state-metrics-" + version("KUBE_STATE_METRICS_VERSION")).resolve("kube-state-metrics");
  }

  public Path helm() {
    return cacheDir.resolve("helm-" + version("HELM_VERSION")).resolve("helm");
  }

  /** CRDs of other projects (Argo CD Application, ServiceMonitor) for server-side dry runs. */
  public Path thirdPartyCrds() {
    return cacheDir.resolve("third-party-crds");
  }

  /** Fails with the command that fixes it when a peer has not been installed yet. */
  public void requireInstalled() {
    for (String bin : new String[] {"kube-apiserver", "etcd", "kubectl"}) {
      if (!Files.isExecutable(kubeBinDir().resolve(bin))) {
        throw new IllegalStateException(
            bin + " not found in " + kubeBinDir() + "; run hack/setup.sh first");
      }
    }
    if (!Files.isExecutable(motoPython())) {
      throw new IllegalStateException(
          "the emulator venv is missing at " + motoPython().getParent().getParent()
              + "; run hack/setup.sh first");
    }
  }

  private static Path findRepoRoot() {
    String prop = System.getProperty("sbo.repo.root");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("hack/versions.env"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root (hack/versions.env) above " + dir
            + "; set -Dsbo.repo.root");
  }

  private static Path findCacheDir() {
    String explicit = System.getenv("SBO_CACHE_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank()
        ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("stage-boundary-operator");
  }

  static Map<String, String> readVersions(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#") || !l.contains("=")) {
          continue;
        }
        int eq = l.indexOf('=');
        out.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Map.copyOf(out);
  }
}
