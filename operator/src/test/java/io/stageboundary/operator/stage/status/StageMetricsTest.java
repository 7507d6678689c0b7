package io.stageboundary.operator.stage.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.stage.pass.BlockedReason;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StageMetricsTest {
  @Test
  void blockedAccountsAreAGaugePerReasonEveryReasonPresentAtZero() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Stage stage = Serialization.unmarshal("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: dev}
        """, Stage.class);
    StageMetrics metrics = new StageMetrics(registry);
    metrics.blocked(stage, Map.of("PolicyNameTaken", 2));
    for (BlockedReason reason : BlockedReason.values()) {
      double value = registry.get("stage_boundary_blocked_accounts").tag("stage", "dev").tag("reason", reason.name())
          .gauge().value();
      assertThat(value).as(reason.name()).isEqualTo(reason == BlockedReason.PolicyNameTaken ? 2 : 0);
    }
    metrics.blocked(stage, Map.of());
    assertThat(registry.get("stage_boundary_blocked_accounts").tag("reason", "PolicyNameTaken").gauge().value()).isZero();
  }
}
