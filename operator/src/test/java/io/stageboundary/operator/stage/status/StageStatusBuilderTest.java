package io.stageboundary.operator.stage.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.stageboundary.operator.api.v1alpha1.Condition;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.Conditions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ready is decided once, when the status is built, from everything the pass reported. */
class StageStatusBuilderTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);

  private static Stage stage() {
    Stage s = Serialization.unmarshal("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: dev, generation: 2}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-dev}
          targets: {accounts: ["200000000001"], regions: [us-east-1]}
        """, Stage.class);
    return s;
  }

  private static Condition ready(StageStatus status) {
    return status.conditions().stream().filter(c -> c.getType().equals(Conditions.READY)).findFirst().orElseThrow();
  }

  @Test
  void readyDoesNotDependOnTheOrderTheStepsReportIn() {
    StageStatusBuilder early = new StageStatusBuilder(stage(), CLOCK).settled(false);
    early.counts(List.of(State.CURRENT), 0, 1, 1, 1, Map.of()).inSync(Map.of("PolicyModified", 1), false);
    StageStatusBuilder late = new StageStatusBuilder(stage(), CLOCK);
    late.counts(List.of(State.CURRENT), 0, 1, 1, 1, Map.of()).inSync(Map.of("PolicyModified", 1), false).settled(false);

    for (StageStatusBuilder b : List.of(early, late)) {
      Condition ready = ready(b.build());
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(ready.getReason()).isEqualTo(ConditionReason.Drifted.name());
      assertThat(ready.getObservedGeneration()).isEqualTo(2L);
    }
  }

  @Test
  void workUnderWayAfterSettlingLeavesReadyToIt() {
    StageStatusBuilder b = new StageStatusBuilder(stage(), CLOCK);
    b.counts(List.of(State.CURRENT), 0, 1, 0, 1, Map.of()).inSync(Map.of(), false).settled(false);
    assertThat(ready(b.build()).getReason()).isEqualTo(ConditionReason.Ready.name());
    b.progressing(ConditionReason.ApplyingGuardrail, "the service control policy was written");
    Condition ready = ready(b.build());
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo(ConditionReason.ApplyingGuardrail.name());
  }

  @Test
  void blockedAccountsMakeTheStageNotReadyAndAreCountedByReason() {
    StageStatusBuilder b = new StageStatusBuilder(stage(), CLOCK);
    b.counts(List.of(State.CURRENT, State.CURRENT, State.FAILED), 0, 2, 0, 2, Map.of("PolicyNameTaken", 1))
        .inSync(Map.of(), false).settled(false);
    StageStatus status = b.build();
    assertThat(status.accounts().blocked()).isEqualTo(1);
    Condition ready = ready(status);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo(ConditionReason.AccountsBlocked.name());
    assertThat(ready.getMessage()).startsWith("1 of 3 account(s) blocked (PolicyNameTaken in 1; see kubectl get "
        + "stageaccounts -l iam.stageboundary.io/stage=dev)").contains("2 of 3 account(s) have the current boundary");
    assertThat(new StageStatusBuilder(stage(), CLOCK).counts(List.of(State.CURRENT), 0, 1, 0, 1, Map.of()).build()
        .accounts().blocked()).as("no blocked accounts: the field is left out").isNull();
  }
}
