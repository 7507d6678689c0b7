package io.stageboundary.operator.kube;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * When the controllers look again, and the one backoff rule every retry follows.
 *
 * @param pollInterval how soon to look again while work runs in AWS
 * @param resyncInterval how often a settled resource is checked again
 * @param retryDelay first delay after a failure; doubles per attempt up to {@link #MAX_BACKOFF}
 */
public record Schedule(Duration pollInterval, Duration resyncInterval, Duration retryDelay, Clock clock) {
  public static final Duration MAX_BACKOFF = Duration.ofMinutes(15);

  /** The wait before attempt {@code attempt + 1}: retryDelay × 2^attempt, at most 15 minutes. */
  public Duration backoff(int attempt) {
    Duration d = retryDelay.multipliedBy(1L << Math.min(Math.max(attempt, 0), 5));
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  public Instant now() {
    return clock.instant();
  }

  /** Now, to the second, as status and messages show it. */
  public String stamp() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** How long from now until {@code due}, plus a second so the next look finds it due. */
  public Duration until(Instant due) {
    return Duration.between(clock.instant(), due).plusSeconds(1);
  }
}
