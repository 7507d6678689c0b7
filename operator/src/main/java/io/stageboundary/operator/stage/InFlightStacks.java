package io.stageboundary.operator.stage;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bootstrap stacks being created or updated, across all stages, and when each is worth a look.
 * A stack in flight holds no thread and no batch slot: a pass starts new stacks up to its budget
 * and looks only at the in-flight ones whose next look has come. Looks adapt to how long stacks
 * have really taken (a moving average of the stacks seen finishing): the first look comes on the
 * next pass (a stack that was quick is not kept waiting), the second when a stack of typical length
 * would be done, the next ones a quarter of that apart, at most {@link #MAX_LOOK}. On AWS a
 * CDKToolkit stack takes a minute or more, so a stack costs three or four DescribeStacks while it
 * runs instead of one per pass; on the emulator it is done by the first look.
 *
 * <p>Kept in memory only: after a restart every stack reported UPDATING is looked at once. A stack
 * nobody has looked at for {@link #FORGOTTEN} (its stage was deleted, or no longer targets it) no
 * longer counts.
 */
final class InFlightStacks {
  static final Duration MAX_LOOK = Duration.ofSeconds(30);
  static final Duration FORGOTTEN = Duration.ofMinutes(10);
  /**
   * What a stack is assumed to take before one has been seen finishing: a CDKToolkit create or
   * update takes a minute or more on AWS. A quicker stack is still seen on the first look.
   */
  static final Duration FIRST_GUESS = Duration.ofSeconds(60);
  private static final double WEIGHT = 0.2;

  private record Entry(Instant started, Instant nextLook) {}

  private final Map<String, Entry> stacks = new ConcurrentHashMap<>();
  private final int max;
  private final Duration firstLook;
  private volatile double typicalMillis = -1;

  /**
   * @param max how many stacks may be in flight at once, across every stage
   * @param firstLook the shortest time between two looks at a stack (the poll interval)
   */
  InFlightStacks(int max, Duration firstLook) {
    this.max = Math.max(1, max);
    this.firstLook = firstLook;
  }

  /** How many more stacks may be started now. */
  int room(Instant now) {
    stacks.values().removeIf(e -> e.nextLook().plus(FORGOTTEN).isBefore(now));
    return Math.max(0, max - stacks.size());
  }

  int size() {
    return stacks.size();
  }

  /** Whether {@code key} is known to be in flight and not worth a look yet. */
  boolean waiting(String key, Instant now) {
    Entry e = stacks.get(key);
    return e != null && e.nextLook().isAfter(now);
  }

  /** When {@code key} is next worth a look, if it is in flight. */
  java.util.Optional<Instant> nextLook(String key) {
    Entry e = stacks.get(key);
    return e == null ? java.util.Optional.empty() : java.util.Optional.of(e.nextLook());
  }

  /** We just wrote the stack: looked at on the next pass, whenever it comes. */
  void started(String key, Instant now) {
    stacks.put(key, new Entry(now, now));
  }

  /**
   * Looked at it and it still runs (ours or someone else's): look again when a typical stack would
   * be done, or if that has passed, a quarter of a typical stack later.
   */
  void stillRunning(String key, Instant now) {
    Entry e = stacks.get(key);
    Instant started = e == null ? now : e.started();
    Duration typical = typical();
    Instant done = started.plus(typical.multipliedBy(9).dividedBy(10));
    Instant next = done.isAfter(now.plus(firstLook)) ? done : now.plus(clamp(typical.dividedBy(4)));
    stacks.put(key, new Entry(started, next));
  }

  /** It is done: learn from how long it took, if we saw it start. */
  void finished(String key, Instant now) {
    Entry e = stacks.remove(key);
    if (e != null) {
      double took = Duration.between(e.started(), now).toMillis();
      double t = typicalMillis;
      typicalMillis = t < 0 ? took : t + WEIGHT * (took - t);
    }
  }

  /** What a stack takes, as seen so far. */
  Duration typical() {
    double t = typicalMillis;
    return t < 0 ? FIRST_GUESS : Duration.ofMillis((long) t);
  }

  private Duration clamp(Duration d) {
    return d.compareTo(firstLook) < 0 ? firstLook : d.compareTo(MAX_LOOK) > 0 ? MAX_LOOK : d;
  }
}
