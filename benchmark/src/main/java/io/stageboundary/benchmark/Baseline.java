package io.stageboundary.benchmark;

import io.stageboundary.testenv.Peers;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import software.amazon.awssdk.services.iam.IamClient;

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

  /**
   * The real CDK CLI, once per (account, region) of the first {@code sequential} baseline accounts,
   * one after another; then, for the rest, one invocation per account with all regions, 20 accounts
   * at a time, each with its own credentials.
   */
  static Baseline measure(Peers peers, ScaleOrganization org, int sequential) {
    String policy = "developer-policy-baseline";
    // the boundary policy is already in the account (as the StackSet would have put it): the
    // manual step being compared is the bootstrap alone
    for (String account : org.baselineAccounts()) {
      try (IamClient iam = peers.awsClients().inAccount(account).iam()) {
        iam.createPolicy(r -> r.policyName(policy).policyDocument(
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowAll\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
      }
    }
    peers.emulator().clearCalls();
    List<Double> seconds = new ArrayList<>();
    List<String> inSequence = org.baselineAccounts().subList(0, sequential);
    for (String account : inSequence) {
      for (String region : BenchmarkMain.REGIONS) {
        var result = peers.cdk().bootstrap(account, region, "--custom-permissions-boundary", policy).orThrow();
        seconds.add(result.millis() / 1000.0);
        BenchmarkMain.progress("baseline: cdk bootstrap aws://%s/%s took %.1f s", account, region, result.millis() / 1000.0);
      }
    }
    SortedMap<String, Long> calls = BenchmarkMain.byOperation(peers.emulator().calls());
    checkBaselineBoundary(peers, inSequence.get(0), policy);
    Parallel parallel = null;
    List<String> rest = org.baselineAccounts().subList(sequential, org.baselineAccounts().size());
    if (!rest.isEmpty()) {
      peers.emulator().clearCalls();
      List<Double> rounds = new ArrayList<>();
      for (int i = 0; i < rest.size(); i += PARALLEL_ACCOUNTS) {
        List<String> round = rest.subList(i, Math.min(rest.size(), i + PARALLEL_ACCOUNTS));
        long start = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<?>> runs = round.stream().map(a ->
            java.util.concurrent.CompletableFuture.runAsync(() -> peers.cdk().bootstrap(a, BenchmarkMain.REGIONS,
                "--custom-permissions-boundary", policy).orThrow())).collect(java.util.stream.Collectors.toList());
        runs.forEach(java.util.concurrent.CompletableFuture::join);
        rounds.add(BenchmarkMain.seconds(start));
        BenchmarkMain.progress("baseline: %d accounts x %d regions, one cdk bootstrap per account, all at once, took %.1f s",
            round.size(), BenchmarkMain.REGIONS.size(), BenchmarkMain.seconds(start));
      }
      checkBaselineBoundary(peers, rest.get(rest.size() - 1), policy);
      parallel = new Parallel(rest.size(), List.copyOf(rounds), BenchmarkMain.byOperation(peers.emulator().calls()));
    }
    return new Baseline(List.copyOf(seconds), calls, peers.layout().version("AWS_CDK_VERSION"), parallel);
  }

  /** The same check as for the operator: the execution role carries the boundary. */
  private static void checkBaselineBoundary(Peers peers, String account, String policy) {
    try (IamClient iam = peers.awsClients().inAccount(account).iam()) {
      for (String region : BenchmarkMain.REGIONS) {
        var role = iam.getRole(r -> r.roleName("cdk-hnb659fds-cfn-exec-role-" + account + "-" + region)).role();
        String boundary = role.permissionsBoundary() == null ? null : role.permissionsBoundary().permissionsBoundaryArn();
        if (boundary == null || !boundary.endsWith(":policy/" + policy)) {
          throw new IllegalStateException("the baseline's execution role in " + account + "/" + region
              + " has boundary " + boundary);
        }
      }
    }
  }
}
