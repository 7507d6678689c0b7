package io.stageboundary.operator.app;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the operator runs and its informers are synced and healthy. */
@Readiness
@ApplicationScoped
public class OperatorHealth implements HealthCheck {
  private final OperatorLifecycle lifecycle;

  public OperatorHealth(OperatorLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  @Override
  public HealthCheckResponse call() {
    var operator = lifecycle.operator();
    boolean up = operator != null && operator.healthy();
    return HealthCheckResponse.named("stage-boundary-operator").status(up).build();
  }
}
