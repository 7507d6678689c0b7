package io.stageboundary.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import io.stageboundary.operator.reconcile.AwsOrganizationReconciler;
import io.stageboundary.operator.reconcile.BootstrapRunner;
import io.stageboundary.operator.reconcile.BoundaryVerifier;
import io.stageboundary.operator.reconcile.StageMetrics;
import io.stageboundary.operator.reconcile.EventRecorder;
import io.stageboundary.operator.reconcile.OperatorSettings;
import io.stageboundary.operator.reconcile.OrganizationContexts;
import io.stageboundary.operator.reconcile.StageAccountSync;
import io.stageboundary.operator.reconcile.StageClaims;
import io.stageboundary.operator.reconcile.StageReconciler;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operator, assembled: the Java Operator SDK with our two reconcilers, wired explicitly so
 * the Quarkus application, the tests and the benchmark start exactly the same thing.
 */
public final class StageBoundaryOperator implements AutoCloseable {
  private final Operator operator;
  private final OrganizationContexts organizations;
  private final ExecutorService stageAccountWriters;
  private final ExecutorService bootstrapPool;

  private StageBoundaryOperator(Operator operator, OrganizationContexts organizations,
      ExecutorService stageAccountWriters, ExecutorService bootstrapPool) {
    this.operator = operator;
    this.organizations = organizations;
    this.stageAccountWriters = stageAccountWriters;
    this.bootstrapPool = bootstrapPool;
  }

  public static StageBoundaryOperator start(KubernetesClient client, OperatorSettings settings,
      MeterRegistry registry) {
    MeterRegistry meters = registry == null ? new SimpleMeterRegistry() : registry;
    OrganizationContexts organizations = new OrganizationContexts(client, settings, meters);
    ExecutorService writers = Executors.newFixedThreadPool(settings.stageAccountWriters(), r -> {
      Thread t = new Thread(r, "stageaccount-writer");
      t.setDaemon(true);
      return t;
    });
    String identity = settings.leaderElection().identity() != null ? settings.leaderElection().identity()
        : System.getenv().getOrDefault("HOSTNAME", "stage-boundary-operator");
    EventRecorder events = new EventRecorder(client, settings.clock(), identity);
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withConcurrentReconciliationThreads(settings.reconcileThreads())
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(meters))
          .withUseSSAToPatchPrimaryResource(true)
          // A watch that cannot start at once (the API server restarting, a CRD just established)
          // is retried by the informer; the operator reports not ready meanwhile instead of dying.
          .withStopOnInformerErrorDuringStartup(false)
          .withCacheSyncTimeout(Duration.ofSeconds(30));
      if (settings.leaderElection().enabled()) {
        LeaderElectionConfigurationBuilder le = LeaderElectionConfigurationBuilder
            .aLeaderElectionConfiguration(settings.leaderElection().leaseName())
            .withLeaseNamespace(settings.leaderElection().leaseNamespace())
            .withIdentity(identity);
        // A replica that lost its lease exits (and restarts as a follower) so it never writes
        // while another leads; only in-process use (tests) keeps the JVM alive.
        o.withLeaderElectionConfiguration(settings.leaderElection().exitOnLoss() ? le.build()
            : le.buildForTest(false));
      }
    });
    GenericRetry retry = new GenericRetry().setInitialInterval(2000).setIntervalMultiplier(2.0)
        .setMaxInterval(Duration.ofMinutes(5).toMillis()).withoutMaxAttempts();
    operator.register(new AwsOrganizationReconciler(organizations, settings, events), c -> c
        .withName("awsorganization").withFinalizer(ApiGroup.FINALIZER).withRetry(retry)
        .withFieldManager(ApiGroup.MANAGED_BY));
    ExecutorService bootstrapPool = Executors.newFixedThreadPool(settings.bootstrapConcurrency(), r -> {
      Thread t = new Thread(r, "bootstrap");
      t.setDaemon(true);
      return t;
    });
    operator.register(new StageReconciler(organizations, new StageClaims(),
        new StageAccountSync(client, writers), events, settings,
        new BootstrapRunner(bootstrapPool, settings.bootstrapConcurrency(), settings.clock(),
            settings.retryDelay()),
        new BoundaryVerifier(bootstrapPool, settings.bootstrapConcurrency(), settings.clock()),
        new StageMetrics(meters)), c -> c
        .withName("stage").withFinalizer(ApiGroup.FINALIZER).withRetry(retry)
        .withFieldManager(ApiGroup.MANAGED_BY));
    operator.start();
    return new StageBoundaryOperator(operator, organizations, writers, bootstrapPool);
  }

  public Operator operator() {
    return operator;
  }

  /** True once every informer has synced and, with leader election, this replica leads. */
  public boolean healthy() {
    return operator.getRuntimeInfo().allEventSourcesAreHealthy();
  }

  @Override
  public void close() {
    operator.stop();
    organizations.close();
    stageAccountWriters.shutdownNow();
    bootstrapPool.shutdownNow();
  }
}
