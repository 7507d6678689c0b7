package io.stageboundary.operator.kube;

import io.stageboundary.operator.api.v1alpha1.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a status's conditions in the kstatus convention: every condition stamped with the
 * generation it describes, lastTransitionTime kept unless the status value flips, CamelCase
 * reasons. Ready, Reconciling and Stalled come first, in that order.
 */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  public static final String BOUNDARY_DEPLOYED = "BoundaryDeployed";
  public static final String CONFLICT = "Conflict";
  public static final String BOOTSTRAPPED = "Bootstrapped";
  public static final String IN_SYNC = "InSync";
  public static final String ENFORCED = "Enforced";
  public static final String GUARDED = "Guarded";

  private final Map<String, Condition> previous = new LinkedHashMap<>();
  private final Map<String, Condition> next = new LinkedHashMap<>();
  private final long generation;
  private final Clock clock;

  public Conditions(List<Condition> current, long generation, Clock clock) {
    if (current != null) {
      current.forEach(c -> previous.put(c.getType(), c));
    }
    this.generation = generation;
    this.clock = clock;
  }

  public Conditions set(String type, boolean status, ConditionReason reason, String message) {
    String value = status ? "True" : "False";
    Condition before = previous.get(type);
    String since = before != null && value.equals(before.getStatus()) && before.getLastTransitionTime() != null
        ? before.getLastTransitionTime()
        : Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    next.put(type, new Condition(type, value, generation, since, reason.name(), message));
    return this;
  }

  /** A condition that cannot be decided yet (kstatus reads Unknown as neither). */
  public Conditions unknown(String type, ConditionReason reason, String message) {
    Condition before = previous.get(type);
    String since = before != null && "Unknown".equals(before.getStatus()) && before.getLastTransitionTime() != null
        ? before.getLastTransitionTime() : Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    next.put(type, new Condition(type, "Unknown", generation, since, reason.name(), message));
    return this;
  }

  /** The resource cannot be acted on until a human changes something: Stalled, not Ready. */
  public Conditions stalled(ConditionReason reason, String message, String waitingFor) {
    return set(STALLED, true, reason, message).set(RECONCILING, false, reason, waitingFor)
        .set(READY, false, reason, message);
  }

  /** Work is under way, or waits for something that will come by itself. */
  public Conditions progressing(ConditionReason reason, String message) {
    return set(STALLED, false, ConditionReason.Progressing, "no problem found").set(RECONCILING, true, reason, message)
        .set(READY, false, reason, message);
  }

  /** Nothing is wrong and nothing is running; the caller decides Ready. */
  public Conditions settled(ConditionReason reason, String message) {
    return set(STALLED, false, ConditionReason.NoProblem, "no problem found").set(RECONCILING, false, reason, message);
  }

  public List<Condition> build() {
    List<Condition> out = new ArrayList<>();
    for (String first : List.of(READY, RECONCILING, STALLED)) {
      if (next.containsKey(first)) {
        out.add(next.get(first));
      }
    }
    next.forEach((type, c) -> {
      if (!List.of(READY, RECONCILING, STALLED).contains(type)) {
        out.add(c);
      }
    });
    return out;
  }

  /** Two condition lists that differ only in lastTransitionTime are the same status. */
  public static boolean same(List<Condition> a, List<Condition> b) {
    return StatusPatch.same(a, b);
  }
}
