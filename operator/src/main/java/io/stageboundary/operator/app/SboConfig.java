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

  /** Endpoint for every AWS service an AwsOrganization does not override (AWS_ENDPOINT_URL works too). */
  Optional<URI> awsEndpoint();

  @WithDefault("20")
  int reconcileThreads();

  @WithDefault("4")
  int stageAccountWriters();

  /** Bootstrap stacks read or updated at once, across all stages. */
  @WithDefault("10")
  int bootstrapConcurrency();

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
