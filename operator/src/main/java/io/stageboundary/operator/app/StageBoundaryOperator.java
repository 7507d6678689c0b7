package io.stageboundary.operator.app;

import io.stageboundary.operator.kube.LeanItemStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import io.stageboundary.operator.aws.sdk.SdkConnector;
import io.stageboundary.operator.kube.EventRecorder;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.kube.Secrets;
import io.stageboundary.operator.kube.StageAccountSync;
import io.stageboundary.operator.organization.AwsOrganizationReconciler;
import io.stageboundary.operator.organization.OrganizationContexts;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.enforcement.BoundaryVerifier;
import io.stageboundary.operator.stage.claims.StageClaims;
import io.stageboundary.operator.stage.StageController;
import io.stageboundary.operator.stage.status.StageMetrics;
import io.stageboundary.operator.rules.BoundaryRulesReconciler;
import io.stageboundary.operator.stage.StageReconciler;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operator, assembled: the Java Operator SDK with our two controllers, and the one place where
 * the AWS SDK adapter is wired to them. The Quarkus application, the tests and the benchmark start
 * exactly this.
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
    Schedule schedule = settings.schedule();
    OrganizationContexts organizations = new OrganizationContexts(new Secrets(client),
        new SdkConnector(settings.aws(), meters), schedule.clock());
    ExecutorService writers = daemonPool(settings.stageAccountWriters(), "stageaccount-writer");
    ExecutorService bootstrapPool = daemonPool(settings.bootstrapConcurrency(), "bootstrap");
    String identity = settings.leaderElection().identity() != null ? settings.leaderElection().identity()
        : System.getenv().getOrDefault("HOSTNAME", "stage-boundary-operator");
    EventRecorder events = new EventRecorder(client, schedule.clock(), identity);
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
    operator.register(new AwsOrganizationReconciler(organizations, schedule, events), c -> c
        .withName("awsorganization").withFinalizer(ApiGroup.FINALIZER).withRetry(retry).withItemStore(new LeanItemStore<>())
        .withFieldManager(ApiGroup.MANAGED_BY));
    operator.register(new StageReconciler(new StageController.Parts(organizations, new StageClaims(),
        new StageAccountSync(client, writers), events, schedule,
        new BootstrapRunner(bootstrapPool, settings.bootstrapConcurrency(), settings.bootstrapInFlight(), schedule),
        new BoundaryVerifier(bootstrapPool, settings.bootstrapConcurrency(), schedule),
        new StageMetrics(meters))), c -> c
        .withName("stage").withFinalizer(ApiGroup.FINALIZER).withRetry(retry).withItemStore(new LeanItemStore<>())
        .withGenerationAware(false).withOnUpdateFilter(StageReconciler.WAKES_ON_UPDATE)
        .withFieldManager(ApiGroup.MANAGED_BY));
    operator.register(new BoundaryRulesReconciler(schedule, events), c -> c
        .withName("boundaryrules").withFinalizer(ApiGroup.FINALIZER).withRetry(retry).withItemStore(new LeanItemStore<>())
        .withFieldManager(ApiGroup.MANAGED_BY));
    operator.start();
    return new StageBoundaryOperator(operator, organizations, writers, bootstrapPool);
  }

  private static ExecutorService daemonPool(int threads, String name) {
    return Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
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
