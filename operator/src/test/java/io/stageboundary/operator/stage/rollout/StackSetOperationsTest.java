package io.stageboundary.operator.stage.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.kube.Schedule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackSetOperationsTest {
  private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

  /** The looks at an operation of {@code action} that ends {@code length} after it started. */
  private static List<Duration> looks(String action, String status, Duration poll, Duration length) {
    List<Duration> out = new ArrayList<>();
    StageStatus.Operation op = new StageStatus.Operation("op", action, status, START.toString(), null, 100, null, null);
    Instant now = START;
    while (now.isBefore(START.plus(length))) {
      Duration next = StackSetOperations.lookAtRunning(op,
          new Schedule(poll, Duration.ofMinutes(10), Duration.ofSeconds(30), Clock.fixed(now, ZoneOffset.UTC)));
      out.add(next);
      now = now.plus(next);
    }
    return out;
  }

  @Test
  void aRolloutIsLookedAtAnEighthOfItsAgeApartBetweenThePollIntervalAndFifteenSeconds() {
    List<Duration> looks = looks("UPDATE", "RUNNING", Duration.ofSeconds(1), Duration.ofMinutes(10));
    assertThat(looks.get(0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(looks).allSatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(15)));
    assertThat(looks.get(looks.size() - 1)).isEqualTo(Duration.ofSeconds(15));
    assertThat(looks).hasSizeGreaterThan(50);
  }

  @Test
  void aDriftDetectionNobodyWaitsForIsLookedAtHalfItsAgeApart() {
    // a minute long: five looks (15, 22, 33 s …), not the rollout ladder's twenty-five from a second
    List<Duration> minute = looks("DETECT_DRIFT", "RUNNING", Duration.ofSeconds(1), Duration.ofSeconds(61));
    assertThat(minute.get(0)).isEqualTo(Duration.ofSeconds(15));
    assertThat(minute).hasSizeLessThanOrEqualTo(5);
    assertThat(looks("UPDATE", "RUNNING", Duration.ofSeconds(1), Duration.ofSeconds(61))).hasSizeGreaterThan(20);
    // an hour long: looked at five minutes apart at most
    List<Duration> hour = looks("DETECT_DRIFT", "RUNNING", Duration.ofSeconds(5), Duration.ofHours(1));
    assertThat(hour).allSatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(15), Duration.ofMinutes(5)));
    assertThat(hour.get(hour.size() - 1)).isEqualTo(Duration.ofMinutes(5));
    // a poll interval longer than the first look is the least
    assertThat(looks("DETECT_DRIFT", "RUNNING", Duration.ofSeconds(30), Duration.ofSeconds(1)).get(0))
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aDriftDetectionStoppingForAChangeOfTheStageIsLookedAtLikeARollout() {
    List<Duration> looks = looks("DETECT_DRIFT", "STOPPING", Duration.ofSeconds(1), Duration.ofSeconds(8));
    assertThat(looks).containsOnly(Duration.ofSeconds(1));
  }
}
