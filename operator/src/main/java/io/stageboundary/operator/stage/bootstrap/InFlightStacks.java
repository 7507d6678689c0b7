package io.stageboundary.operator.stage.bootstrap;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bootstrap stacks being created or updated, across all stages, and when each is worth a look.
 * A stack in flight holds no thread and no batch slot: a pass starts new stacks up to its budget
 * and looks only at the in-flight ones whose next look has come. Looks adapt to how long stacks
 * have really taken (a moving average of the stacks seen finishing): once one has been seen
 * finishing, a stack is first looked at when a stack of typical length would be done, then a
 * quarter of that apart, at most {@link #MAX_LOOK}; before that, on the next pass (a quick stack
 * is not kept waiting, and the functional tests' instant stacks teach the average at once). A
 * stack found done on its first look may have been done earlier, so it counts a little shorter
 * than seen: the average comes down when stacks get quicker, and about one stack in six needs a
 * second look. On AWS a CDKToolkit stack takes a minute or more, so it costs one or two
 * DescribeStacks while it runs instead of one per pass.
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
  /** What a stack found done on its first look counts, of the time seen. */
  private static final double FOUND_AT_ONCE = 0.95;

  /** @param missed how many looks found it still running */
  private record Entry(Instant started, Instant nextLook, int missed) {}

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

  /** We just wrote the stack: looked at when a typical stack would be done, or on the next pass until one was seen. */
  void started(String key, Instant now) {
    Instant first = typicalMillis < 0 ? now : now.plus(typical().compareTo(firstLook) < 0 ? firstLook : typical());
    stacks.put(key, new Entry(now, first, 0));
  }

  /**
   * Looked at it and it still runs (ours or someone else's): look again when a typical stack would
   * be done, or if that has passed, a quarter of a typical stack later.
   */
  void stillRunning(String key, Instant now) {
    Entry e = stacks.get(key);
    Instant started = e == null ? now : e.started();
    Duration typical = typical();
    Instant done = started.plus(typical);
    Instant next = done.isAfter(now.plus(firstLook)) ? done : now.plus(clamp(typical.dividedBy(4)));
    stacks.put(key, new Entry(started, next, e == null ? 0 : e.missed() + 1));
  }

  /** It is done: learn from how long it took, if we saw it start. */
  void finished(String key, Instant now) {
    Entry e = stacks.remove(key);
    if (e != null) {
      double took = Duration.between(e.started(), now).toMillis() * (e.missed() == 0 ? FOUND_AT_ONCE : 1.0);
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
