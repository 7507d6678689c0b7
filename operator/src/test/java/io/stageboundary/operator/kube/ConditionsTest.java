package io.stageboundary.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ConditionsTest {
  @Test
  void keepsTransitionTimeUntilTheStatusFlipsAndStampsTheGeneration() {
    Clock t0 = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    Clock t1 = Clock.fixed(Instant.parse("2026-01-01T01:00:00Z"), ZoneOffset.UTC);
    var first = new Conditions(null, 3, t0).set("Ready", false, ConditionReason.AccountsPending, "a")
        .set("Reconciling", true, ConditionReason.OperationRunning, "b").set("Stalled", false, ConditionReason.NoProblem, "c").build();
    assertThat(first).extracting(c -> c.getType()).containsExactly("Ready", "Reconciling", "Stalled");
    assertThat(first).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));

    var second = new Conditions(first, 4, t1).set("Ready", false, ConditionReason.AccountsNotCurrent, "x")
        .set("Reconciling", false, ConditionReason.Converged, "y").build();
    assertThat(second.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(second.get(1).getLastTransitionTime()).isEqualTo("2026-01-01T01:00:00Z");
    assertThat(Conditions.same(first, second)).isFalse();
    var again = new Conditions(second, 4, t1).set("Ready", false, ConditionReason.AccountsNotCurrent, "x")
        .set("Reconciling", false, ConditionReason.Converged, "y").build();
    assertThat(Conditions.same(second, again)).isTrue();
  }
}
