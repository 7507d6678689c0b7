package io.stageboundary.operator.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesSpec;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesStatus.Revision;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesStatus.StageRevision;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Promotion of shared rules through dev → beta → prod with a soak, over a clock the test moves. */
class PromotionTest {
  private static final BoundaryRulesSpec SPEC = new BoundaryRulesSpec(List.of(),
      new BoundaryRulesSpec.Promotion(List.of("dev", "beta", "prod"), "1h"));
  private Instant now = Instant.parse("2026-12-01T10:00:00Z");
  private List<Revision> revisions;
  private List<StageRevision> stages;
  /** What each stage renders (the revision it was allowed last pass) and whether it is healthy. */
  private final Map<String, Boolean> healthy = new LinkedHashMap<>(Map.of("dev", true, "beta", true, "prod", true));

  private Promotion.Result pass(String latest) {
    Map<String, Promotion.Health> including = new LinkedHashMap<>();
    healthy.forEach((stage, ok) -> including.put(stage, new Promotion.Health(ok, allowed(stage))));
    Promotion.Result r = Promotion.next(SPEC, latest, List.of(), revisions, stages, including, now);
    revisions = r.revisions();
    stages = r.stages();
    return r;
  }

  private String allowed(String stage) {
    return stages == null ? null : stages.stream().filter(s -> s.stage().equals(stage)).findFirst()
        .map(StageRevision::revision).orElse(null);
  }

  private void later(Duration d) {
    now = now.plus(d);
  }

  @Test
  void theFirstRevisionGoesToEveryStageAtOnce() {
    pass("r1");
    assertThat(allowed("dev")).isEqualTo("r1");
    assertThat(allowed("beta")).isEqualTo("r1");
    assertThat(allowed("prod")).isEqualTo("r1");
  }

  @Test
  void aNewRevisionReachesDevAtOnceAndEachNextStageOnlyAfterTheSoak() {
    pass("r1");
    pass("r1");  // every stage healthy with r1
    later(Duration.ofHours(2));
    Promotion.Result r = pass("r2");
    assertThat(r.promoted()).containsExactly("dev");
    assertThat(allowed("beta")).isEqualTo("r1");
    assertThat(allowed("prod")).isEqualTo("r1");
    pass("r2");  // dev renders r2 and is healthy with it from now
    later(Duration.ofMinutes(59));
    pass("r2");
    assertThat(allowed("beta")).as("dev has held r2 for 59 minutes of 60").isEqualTo("r1");
    assertThat(stages.get(1).waitingFor()).contains("dev to hold r2 healthy until");
    later(Duration.ofMinutes(1));
    r = pass("r2");
    assertThat(r.promoted()).containsExactly("beta");
    assertThat(allowed("prod")).isEqualTo("r1");
    pass("r2");
    later(Duration.ofHours(1));
    r = pass("r2");
    assertThat(r.promoted()).containsExactly("prod");
  }

  @Test
  void prodNeverGetsARevisionWhileBetaIsNotHealthyWithIt() {
    pass("r1");
    pass("r1");
    pass("r2");
    pass("r2");
    later(Duration.ofHours(1));
    pass("r2");  // beta promoted
    healthy.put("beta", false);
    for (int i = 0; i < 5; i++) {
      later(Duration.ofHours(2));
      pass("r2");
    }
    assertThat(allowed("beta")).isEqualTo("r2");
    assertThat(allowed("prod")).isEqualTo("r1");
    assertThat(stages.get(2).waitingFor()).isEqualTo("beta to be Ready, InSync and Enforced with r2");
    healthy.put("beta", true);
    pass("r2");
    later(Duration.ofHours(1));
    pass("r2");
    assertThat(allowed("prod")).isEqualTo("r2");
  }

  @Test
  void aRollbackToARevisionEveryStageHasRunGoesThroughWithoutSoak() {
    pass("r1");
    pass("r1");
    for (int i = 0; i < 4; i++) {  // r2 soaks through every stage
      pass("r2");
      later(Duration.ofHours(1));
    }
    pass("r2");
    assertThat(allowed("prod")).isEqualTo("r2");
    Promotion.Result back = pass("r1");
    assertThat(back.promoted()).containsExactly("dev", "beta", "prod");
    assertThat(revisions).extracting(Revision::revision).contains("r1", "r2");
  }

  @Test
  void aStageThatJoinsWhileTheRulesHaveNeverChangedGetsTheirOnlyRevision() {
    healthy.remove("beta");
    healthy.remove("prod");
    pass("r1");
    healthy.put("prod", true);
    pass("r1");
    assertThat(allowed("prod")).isEqualTo("r1");
  }

  @Test
  void aStageThatJoinsLaterTakesWhatTheStageBeforeHasSoaked() {
    healthy.remove("prod");
    pass("r1");
    pass("r1");
    later(Duration.ofHours(2));
    pass("r1");  // r1 soaked in dev and beta
    pass("r2");  // dev gets r2
    healthy.put("prod", true);
    pass("r2");
    assertThat(allowed("prod")).as("beta has soaked r1, not r2").isEqualTo("r1");
  }

  @Test
  void aStageOutsideTheOrderGetsTheLatestAtOnce() {
    healthy.put("sandbox", true);
    pass("r1");
    pass("r1");
    Promotion.Result r = pass("r2");
    assertThat(r.promoted()).containsExactlyInAnyOrder("dev", "sandbox");
  }

  @Test
  void withoutPromotionEveryStageGetsTheLatestAtOnce() {
    Map<String, Promotion.Health> including = Map.of("dev", new Promotion.Health(true, "r1"),
        "prod", new Promotion.Health(true, "r1"));
    Promotion.Result r = Promotion.next(new BoundaryRulesSpec(List.of(), null), "r2", List.of(),
        List.of(new Revision("r1", now.toString(), List.<StageSpec.Statement>of())),
        List.of(new StageRevision("dev", "r1", null, null, null, null, null, null),
            new StageRevision("prod", "r1", null, null, null, null, null, null)), including, now);
    assertThat(r.promoted()).containsExactly("dev", "prod");
  }
}
