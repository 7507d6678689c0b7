package io.stageboundary.benchmark;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.stageboundary.testenv.EmulatorAdmin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the benchmark waits for: every object Ready, or the emulator quiet. */
final class Waits {
  private static final String STAGE_API = "iam.stageboundary.io/v1alpha1";

  private Waits() {}

  /** Waits until the organisation and every stage are Ready. */
  static void allReady(KubernetesClient kube, OperatorUnderTest op, Path log, long timeoutSeconds) {
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    long start = System.nanoTime();
    long lastReport = start;
    Set<String> seenReady = new HashSet<>();
    boolean first = true;
    while (true) {
      List<String> waiting = new ArrayList<>();
      if (!isReady(kube.genericKubernetesResources(STAGE_API, "AwsOrganization").withName("main").get())) {
        waiting.add("awsorganization/main");
      }
      for (String stage : ScaleOrganization.STAGES) {
        GenericKubernetesResource s = kube.genericKubernetesResources(STAGE_API, "Stage").withName(stage).get();
        if (!isReady(s)) {
          waiting.add("stage/" + stage);
        } else if (seenReady.add(stage) && !first) {
          // a stage Ready at the first look (a resync of a converged organisation) is not news
          BenchmarkMain.progress("  stage %s Ready after %.1f s", stage, (System.nanoTime() - start) / 1e9);
        }
      }
      first = false;
      if (waiting.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not Ready after " + timeoutSeconds + " s: " + waiting + "; see " + log);
      }
      if (System.nanoTime() - lastReport > 30_000_000_000L) {
        lastReport = System.nanoTime();
        BenchmarkMain.progress("  still waiting for %s (operator RSS %d MiB)", waiting, op.rssBytes() >> 20);
      }
      Sleep.millis(500);
    }
  }

  @SuppressWarnings("unchecked")
  static boolean isReady(GenericKubernetesResource r) {
    if (r == null || !(r.getAdditionalProperties().get("status") instanceof Map<?, ?> status)
        || !(status.get("conditions") instanceof List<?> conditions)) {
      return false;
    }
    Long generation = r.getMetadata().getGeneration();
    return conditions.stream().map(c -> (Map<String, Object>) c).anyMatch(c -> "Ready".equals(c.get("type"))
        && "True".equals(c.get("status")) && c.get("observedGeneration") instanceof Number g
        && generation != null && g.longValue() == generation);
  }

  /** Waits until the emulator has seen no call for {@code quietSeconds}; returns when the last came. */
  static double quiet(EmulatorAdmin emulator, long start, int quietSeconds, int maxSeconds) {
    int count = -1;
    long lastChange = System.nanoTime();
    while (BenchmarkMain.seconds(start) < maxSeconds) {
      int now = emulator.calls().size();
      if (now != count) {
        count = now;
        lastChange = System.nanoTime();
      } else if (count > 0 && (System.nanoTime() - lastChange) / 1e9 >= quietSeconds) {
        break;
      }
      Sleep.millis(1000);
    }
    return (lastChange - start) / 1e9;
  }
}
