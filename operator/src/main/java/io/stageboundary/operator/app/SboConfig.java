package io.stageboundary.operator.app;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The operator's settings, from application.properties, SBO_* environment variables or -D. */
@ConfigMapping(prefix = "sbo")
public interface SboConfig {
  /** How soon to look again while a StackSet operation runs. */
  @WithDefault("5s")
  Duration pollInterval();

  /** How often a converged Stage is checked again (at least every organisation refresh). */
  @WithDefault("10m")
  Duration resyncInterval();

  /** First delay after a failed operation or a transient AWS failure; doubles up to 15 minutes. */
  @WithDefault("30s")
  Duration retryDelay();

  /** Attempts per AWS call, retries with adaptive backoff included. */
  @WithDefault("8")
  int awsMaxAttempts();

  /** How long a member account whose role STS refused is left alone before the next AssumeRole (doubling, to 30x). */
  @WithDefault("1m")
  Duration memberRoleRetry();

  /** Endpoint for every AWS service an AwsOrganization does not override (AWS_ENDPOINT_URL works too). */
  Optional<URI> awsEndpoint();

  @WithDefault("20")
  int reconcileThreads();

  @WithDefault("4")
  int stageAccountWriters();

  /**
   * Member-account checks and bootstrap stacks read or written at once (threads), across all
   * stages. Each thread waits on one AWS call at a time (50-300 ms on AWS), so this bounds how fast
   * a rollout over thousands of accounts can go; the call rates below bound what AWS sees.
   */
  @WithDefault("32")
  int bootstrapConcurrency();

  /**
   * Bootstrap stacks being created or updated at once, across all stages. A stack in flight costs
   * no thread, only a look now and then; this bounds how much the operator has started and not
   * yet seen finish.
   */
  @WithDefault("10000")
  int bootstrapInFlight();

  /** AWS calls a second the operator makes into one member account (0: no limit). */
  @WithDefault("10")
  double awsCallsPerAccount();

  /** AWS calls a second the operator makes into all member accounts together (0: no limit). */
  @WithDefault("200")
  double awsCallsPerSecond();

  LeaderElection leaderElection();

  interface LeaderElection {
    /** On for more than one replica: only the Lease holder reconciles. */
    @WithDefault("false")
    boolean enabled();

    @WithDefault("stage-boundary-operator")
    String leaseName();

    /** Namespace of the Lease; the pod's own namespace in a cluster. */
    @WithDefault("default")
    String leaseNamespace();
  }
}
