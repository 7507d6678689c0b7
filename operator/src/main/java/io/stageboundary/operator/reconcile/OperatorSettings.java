package io.stageboundary.operator.reconcile;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Operator-wide settings (the Quarkus application maps them from {@code sbo.*} configuration).
 *
 * @param pollInterval how soon to look again while a StackSet operation runs
 * @param resyncInterval how often a converged Stage is checked again
 * @param retryDelay first delay after a failed operation or a transient AWS failure (doubles)
 * @param defaultEndpoint endpoint for every AWS service an AwsOrganization does not override
 *     (the SDK also honours AWS_ENDPOINT_URL)
 * @param awsMaxAttempts attempts per AWS call, retries with adaptive backoff included
 * @param stageAccountWriters threads writing StageAccount objects
 * @param bootstrapConcurrency bootstrap stacks read or updated at once, across all stages
 */
public record OperatorSettings(Duration pollInterval, Duration resyncInterval, Duration retryDelay,
    Optional<URI> defaultEndpoint, Supplier<AwsCredentialsProvider> defaultCredentials,
    int awsMaxAttempts, int reconcileThreads, int stageAccountWriters, int bootstrapConcurrency,
    LeaderElection leaderElection, Clock clock) {

  /**
   * @param exitOnLoss end the process when leadership is lost (a replica that lost its lease must
   *     not keep writing; Kubernetes restarts it as a follower). Off only for embedded use.
   */
  public record LeaderElection(boolean enabled, String leaseName, String leaseNamespace,
      String identity, boolean exitOnLoss) {}

  public static OperatorSettings defaults() {
    return new OperatorSettings(Duration.ofSeconds(5), Duration.ofMinutes(10),
        Duration.ofSeconds(30), Optional.empty(), () -> DefaultCredentialsProvider.builder().build(),
        8, 20, 4, 10, new LeaderElection(false, "stage-boundary-operator", "default", null, true),
        Clock.systemUTC());
  }

  public OperatorSettings withPollInterval(Duration d) {
    return new OperatorSettings(d, resyncInterval, retryDelay, defaultEndpoint, defaultCredentials,
        awsMaxAttempts, reconcileThreads, stageAccountWriters, bootstrapConcurrency, leaderElection, clock);
  }

  public OperatorSettings withRetryDelay(Duration d) {
    return new OperatorSettings(pollInterval, resyncInterval, d, defaultEndpoint, defaultCredentials,
        awsMaxAttempts, reconcileThreads, stageAccountWriters, bootstrapConcurrency, leaderElection, clock);
  }

  public OperatorSettings withResyncInterval(Duration d) {
    return new OperatorSettings(pollInterval, d, retryDelay, defaultEndpoint, defaultCredentials,
        awsMaxAttempts, reconcileThreads, stageAccountWriters, bootstrapConcurrency, leaderElection, clock);
  }

  public OperatorSettings withAws(URI endpoint, Supplier<AwsCredentialsProvider> credentials) {
    return new OperatorSettings(pollInterval, resyncInterval, retryDelay, Optional.ofNullable(endpoint),
        credentials, awsMaxAttempts, reconcileThreads, stageAccountWriters, bootstrapConcurrency, leaderElection, clock);
  }

  public OperatorSettings withAwsMaxAttempts(int attempts) {
    return new OperatorSettings(pollInterval, resyncInterval, retryDelay, defaultEndpoint,
        defaultCredentials, attempts, reconcileThreads, stageAccountWriters, bootstrapConcurrency, leaderElection, clock);
  }

  public OperatorSettings withLeaderElection(LeaderElection le) {
    return new OperatorSettings(pollInterval, resyncInterval, retryDelay, defaultEndpoint,
        defaultCredentials, awsMaxAttempts, reconcileThreads, stageAccountWriters, bootstrapConcurrency, le, clock);
  }
}
