package io.stageboundary.operator.app;

import io.stageboundary.operator.aws.sdk.SdkConnector;
import io.stageboundary.operator.kube.Schedule;
import java.time.Clock;
import java.time.Duration;

/**
 * Operator-wide settings (the Quarkus application maps them from {@code sbo.*} configuration).
 *
 * @param schedule when the controllers look again, and the first retry delay
 * @param aws the AWS defaults every organisation shares (credentials, endpoint, attempts per call)
 * @param stageAccountWriters threads writing StageAccount objects
 * @param bootstrapConcurrency bootstrap stacks read or written at once (threads), across all stages
 * @param bootstrapInFlight bootstrap stacks being created or updated at once, across all stages
 */
public record OperatorSettings(Schedule schedule, SdkConnector.Defaults aws, int reconcileThreads,
    int stageAccountWriters, int bootstrapConcurrency, int bootstrapInFlight, LeaderElection leaderElection) {

  /**
   * @param exitOnLoss end the process when leadership is lost (a replica that lost its lease must
   *     not keep writing; Kubernetes restarts it as a follower). Off only for embedded use.
   */
  public record LeaderElection(boolean enabled, String leaseName, String leaseNamespace,
      String identity, boolean exitOnLoss) {}

  public static OperatorSettings defaults() {
    return new OperatorSettings(new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30),
        Clock.systemUTC()), SdkConnector.Defaults.standard(), 20, 4, 10, 1000,
        new LeaderElection(false, "stage-boundary-operator", "default", null, true));
  }

  public OperatorSettings withSchedule(Schedule s) {
    return new OperatorSettings(s, aws, reconcileThreads, stageAccountWriters, bootstrapConcurrency, bootstrapInFlight, leaderElection);
  }

  public OperatorSettings withPollInterval(Duration d) {
    return withSchedule(new Schedule(d, schedule.resyncInterval(), schedule.retryDelay(), schedule.clock()));
  }

  public OperatorSettings withRetryDelay(Duration d) {
    return withSchedule(new Schedule(schedule.pollInterval(), schedule.resyncInterval(), d, schedule.clock()));
  }

  public OperatorSettings withAws(SdkConnector.Defaults defaults) {
    return new OperatorSettings(schedule, defaults, reconcileThreads, stageAccountWriters, bootstrapConcurrency,
        bootstrapInFlight, leaderElection);
  }

  public OperatorSettings withLeaderElection(LeaderElection le) {
    return new OperatorSettings(schedule, aws, reconcileThreads, stageAccountWriters, bootstrapConcurrency, bootstrapInFlight, le);
  }
}
