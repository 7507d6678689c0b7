package io.stageboundary.operator.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stageboundary.operator.StageBoundaryOperator;
import io.stageboundary.operator.reconcile.OperatorSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/** Starts the operator with the application and stops it on shutdown. */
@ApplicationScoped
public class OperatorLifecycle {
  private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

  private final KubernetesClient client;
  private final MeterRegistry registry;
  private final SboConfig config;
  private volatile StageBoundaryOperator operator;

  public OperatorLifecycle(KubernetesClient client, MeterRegistry registry, SboConfig config) {
    this.client = client;
    this.registry = registry;
    this.config = config;
  }

  void onStart(@Observes StartupEvent event) {
    OperatorSettings settings = new OperatorSettings(config.pollInterval(), config.resyncInterval(),
        config.retryDelay(), config.awsEndpoint(), () -> DefaultCredentialsProvider.builder().build(),
        config.awsMaxAttempts(), config.reconcileThreads(), config.stageAccountWriters(),
        config.bootstrapConcurrency(),
        new OperatorSettings.LeaderElection(config.leaderElection().enabled(),
            config.leaderElection().leaseName(), config.leaderElection().leaseNamespace(), null, true),
        Clock.systemUTC());
    LOG.infof("starting stage-boundary-operator against %s (leader election %s)",
        client.getMasterUrl(), config.leaderElection().enabled() ? "on" : "off");
    operator = StageBoundaryOperator.start(client, settings, registry);
  }

  void onStop(@Observes ShutdownEvent event) {
    StageBoundaryOperator o = operator;
    if (o != null) {
      o.close();
    }
  }

  StageBoundaryOperator operator() {
    return operator;
  }
}
