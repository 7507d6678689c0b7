package io.stageboundary.benchmark;

import java.util.List;
import java.util.SortedMap;

/**
 * The real {@code cdk bootstrap --custom-permissions-boundary} run once per (account, region) of
 * the baseline subset, in sequence, as an engineer would run it.
 */
record Baseline(List<Double> secondsPerEnvironment, SortedMap<String, Long> callsByOperation, String cdkVersion) {

  int environments() {
    return secondsPerEnvironment.size();
  }

  double meanSeconds() {
    return secondsPerEnvironment.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  double minSeconds() {
    return secondsPerEnvironment.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  double maxSeconds() {
    return secondsPerEnvironment.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  long callsPerEnvironment() {
    return Math.round(callsByOperation.values().stream().mapToLong(Long::longValue).sum() / (double) environments());
  }

  /** The time the baseline would take for {@code environments} (account, region) pairs. */
  double extrapolatedSeconds(int environments) {
    return meanSeconds() * environments;
  }
}
