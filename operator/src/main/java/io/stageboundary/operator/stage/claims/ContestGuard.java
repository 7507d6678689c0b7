package io.stageboundary.operator.stage.claims;

import io.stageboundary.operator.kube.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Defence in depth against fighting another writer: when the operator has written the same
 * resource {@link #MAX_WRITES} times within {@link #WINDOW} for the same desired state and it is
 * wrong again, someone else (another operator, a pipeline, a person) keeps changing it back.
 * Writing it again would only make the two take turns, so the operator stops and reports
 * {@link DriftReason#ContestedByAnotherWriter} until the window has passed. Kept in memory: a
 * restart allows one more round, no more.
 */
public final class ContestGuard {
  static final int MAX_WRITES = 3;
  static final Duration WINDOW = Duration.ofHours(1);
  private final Schedule schedule;
  private final Map<String, Deque<Instant>> writes = new ConcurrentHashMap<>();

  public ContestGuard(Schedule schedule) {
    this.schedule = schedule;
  }

  /**
   * When {@code resource} may be written again, if its budget is spent; empty when it may be
   * written now. {@code resource} names the thing and the state wanted of it, so a changed Stage
   * starts with a fresh budget.
   */
  public java.util.Optional<Instant> spentUntil(String resource) {
    Deque<Instant> d = writes.get(resource);
    if (d == null) {
      return java.util.Optional.empty();
    }
    synchronized (d) {
      prune(d);
      return d.size() >= MAX_WRITES ? java.util.Optional.of(d.peekFirst().plus(WINDOW)) : java.util.Optional.empty();
    }
  }

  public void wrote(String resource) {
    Deque<Instant> d = writes.computeIfAbsent(resource, r -> new ArrayDeque<>());
    synchronized (d) {
      prune(d);
      d.addLast(schedule.now());
    }
    if (writes.size() > 10_000) {
      writes.values().removeIf(q -> {
        synchronized (q) {
          prune(q);
          return q.isEmpty();
        }
      });
    }
  }

  /** What a status says when the budget is spent. */
  public static String message(String what, Instant until) {
    return what + " was written " + MAX_WRITES + " times within " + WINDOW.toMinutes() + " minutes and changed "
        + "back each time by someone else (another operator, a pipeline or a person): the operator stops "
        + "writing it until " + until + "; find the other writer and stop it";
  }

  private void prune(Deque<Instant> d) {
    Instant horizon = schedule.now().minus(WINDOW);
    while (!d.isEmpty() && d.peekFirst().isBefore(horizon)) {
      d.removeFirst();
    }
  }
}
