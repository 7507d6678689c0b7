package io.stageboundary.benchmark;

import java.util.List;
import java.util.SortedMap;

/**
 * The real {@code cdk bootstrap --custom-permissions-boundary} run once per (account, region) of
 * the baseline subset, in sequence, as an engineer would run it; and, when measured, the CLI as it
 * is run at scale ({@link Parallel}).
 */
record Baseline(List<Double> secondsPerEnvironment, SortedMap<String, Long> callsByOperation, String cdkVersion,
    Parallel parallel) {

  /** Accounts bootstrapped at once by a script, each with one invocation listing all its regions. */
  static final int PARALLEL_ACCOUNTS = 20;

  /**
   * One {@code cdk bootstrap aws://A/r1 aws://A/r2} per account, {@value #PARALLEL_ACCOUNTS}
   * accounts at a time, each with that account's credentials (the CLI bootstraps one invocation's
   * environments in parallel): the fastest way people run the CLI over many accounts.
   *
   * @param roundSeconds the wall time of each round of {@value #PARALLEL_ACCOUNTS} accounts
   */
  record Parallel(int accounts, List<Double> roundSeconds, SortedMap<String, Long> callsByOperation) {
    double meanRoundSeconds() {
      return roundSeconds.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Rounds of {@value #PARALLEL_ACCOUNTS} accounts for {@code accounts}, each as long as the mean round. */
    double extrapolatedSeconds(int accounts) {
      return meanRoundSeconds() * Math.ceil(accounts / (double) PARALLEL_ACCOUNTS);
    }
  }

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
