package io.stageboundary.operator.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stageboundary.operator.aws.sdk.CallRates;
import io.stageboundary.operator.aws.sdk.SdkConnector;
import io.stageboundary.operator.kube.Schedule;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import org.jboss.logging.Logger;

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
    SdkConnector.Defaults standard = SdkConnector.Defaults.standard();
    OperatorSettings settings = new OperatorSettings(new Schedule(config.pollInterval(), config.resyncInterval(),
        config.retryDelay(), Clock.systemUTC()), new SdkConnector.Defaults(standard.credentials(),
        config.awsEndpoint(), config.awsMaxAttempts(), new CallRates(config.awsCallsPerAccount(),
            config.awsCallsPerSecond()), config.memberRoleRetry()), config.reconcileThreads(), config.stageAccountWriters(),
        config.bootstrapConcurrency(), config.bootstrapInFlight(), new OperatorSettings.LeaderElection(config.leaderElection().enabled(),
            config.leaderElection().leaseName(), config.leaderElection().leaseNamespace(), null, true));
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
