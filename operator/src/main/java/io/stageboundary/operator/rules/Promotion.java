package io.stageboundary.operator.rules;

import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesSpec;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesStatus.Revision;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesStatus.StageRevision;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which revision of shared rules each stage may hold (pure). A new revision reaches the first
 * stage of the order at once; each next stage only once the one before (the nearest that exists)
 * has held it Ready, InSync and Enforced for the whole soak; a revision a stage has held healthy
 * before (a rollback to known good) goes to it at once. The rules' first revision goes to every
 * stage at once: there is nothing to soak it against. Stages that include the rules but are not
 * in the order, and every stage when there is no promotion, get the latest at once. A stage that
 * joins the order later takes the newest revision the stage before it has soaked.
 */
public final class Promotion {
  /** How many revisions are kept beyond the ones stages hold. */
  static final int HISTORY = 10;

  private Promotion() {}

  /** What a Stage shows: does it exist, is it healthy, which revision of these rules it rendered. */
  public record Health(boolean healthy, String holds) {}

  /** The outcome: per stage, and the revisions to keep; {@code promoted} names the stages that moved. */
  public record Result(List<Revision> revisions, List<StageRevision> stages, List<String> promoted,
      Optional<Instant> nextLook) {}

  public static Result next(BoundaryRulesSpec spec, String latest, List<StageSpec.Statement> statements,
      List<Revision> lastRevisions, List<StageRevision> lastStages, Map<String, Health> including, Instant now) {
    List<Revision> revisions = new ArrayList<>(lastRevisions == null ? List.of() : lastRevisions);
    if (revisions.stream().noneMatch(r -> r.revision().equals(latest))) {
      revisions.add(0, new Revision(latest, now.toString(), statements));
    }
    // the rules have never changed: there is nothing older to soak against, whenever a stage joins
    boolean first = revisions.size() == 1;
    Map<String, StageRevision> last = new LinkedHashMap<>();
    if (lastStages != null) {
      lastStages.forEach(s -> last.put(s.stage(), s));
    }
    BoundaryRulesSpec.Promotion promotion = spec.promotion();
    Duration soak = promotion == null ? Duration.ZERO : promotion.soakOrDefault();
    List<String> order = new ArrayList<>();
    if (promotion != null) {
      promotion.stages().stream().filter(including::containsKey).forEach(order::add);
    }
    including.keySet().stream().filter(s -> !order.contains(s)).sorted().forEach(order::add);
    List<StageRevision> out = new ArrayList<>();
    List<String> promoted = new ArrayList<>();
    Instant nextLook = null;
    StageRevision previous = null;
    for (String stage : order) {
      boolean ordered = promotion != null && promotion.stages().contains(stage);
      StageRevision before = tracked(last.get(stage), including.get(stage), soak, now);
      Set<String> proven = new LinkedHashSet<>(before.proven() == null ? List.of() : before.proven());
      String allowed;
      String waiting = null;
      if (!ordered || previous == null || latest.equals(before.revision()) || proven.contains(latest) || first
          || (previous.soaked() != null && previous.soaked().contains(latest))) {
        allowed = latest;
      } else {
        allowed = before.revision() != null ? before.revision() : newestSoaked(previous, revisions);
        waiting = previous.healthySince() != null && latest.equals(previous.revision())
            ? previous.stage() + " to hold " + latest + " healthy until " + previous.nextEligibleAt()
            : previous.stage() + " to be Ready, InSync and Enforced with " + latest;
        if (previous.nextEligibleAt() != null && latest.equals(previous.revision())) {
          Instant due = Instant.parse(previous.nextEligibleAt());
          nextLook = nextLook == null || due.isBefore(nextLook) ? due : nextLook;
        }
      }
      String promotedAt = before.promotedAt();
      if (!Objects.equals(allowed, before.revision())) {
        promotedAt = now.toString();
        if (allowed != null) {
          promoted.add(stage);
        }
      }
      StageRevision entry = new StageRevision(stage, allowed, promotedAt,
          Objects.equals(allowed, before.revision()) ? before.healthySince() : null,
          Objects.equals(allowed, before.revision()) ? before.nextEligibleAt() : null,
          before.proven(), before.soaked(), waiting);
      if (entry.nextEligibleAt() != null && Instant.parse(entry.nextEligibleAt()).isAfter(now)) {
        Instant due = Instant.parse(entry.nextEligibleAt());
        nextLook = nextLook == null || due.isBefore(nextLook) ? due : nextLook;
      }
      out.add(entry);
      if (ordered) {
        previous = entry;
      }
    }
    return new Result(keep(revisions, out, latest), out, promoted, Optional.ofNullable(nextLook));
  }

  /** The entry with what the stage shows now: healthy since when, proven and soaked revisions. */
  private static StageRevision tracked(StageRevision last, Health health, Duration soak, Instant now) {
    StageRevision s = last != null ? last : new StageRevision(null, null, null, null, null, null, null, null);
    boolean holdsAllowed = health != null && health.healthy() && s.revision() != null && s.revision().equals(health.holds());
    if (!holdsAllowed) {
      return new StageRevision(s.stage(), s.revision(), s.promotedAt(), null, null, s.proven(), s.soaked(), null);
    }
    Instant since = s.healthySince() != null ? Instant.parse(s.healthySince()) : now;
    List<String> proven = with(s.proven(), s.revision());
    List<String> soaked = !since.plus(soak).isAfter(now) ? with(s.soaked(), s.revision()) : s.soaked();
    return new StageRevision(s.stage(), s.revision(), s.promotedAt(), since.toString(), since.plus(soak).toString(),
        proven, soaked, null);
  }

  private static List<String> with(List<String> list, String item) {
    List<String> out = new ArrayList<>(list == null ? List.of() : list);
    if (!out.contains(item)) {
      out.add(item);
    }
    return out.size() > HISTORY ? out.subList(out.size() - HISTORY, out.size()) : out;
  }

  /** A stage new to the order takes the newest revision the stage before has soaked, if any. */
  private static String newestSoaked(StageRevision previous, List<Revision> revisions) {
    if (previous.soaked() == null) {
      return null;
    }
    return revisions.stream().map(Revision::revision).filter(previous.soaked()::contains).findFirst().orElse(null);
  }

  /** The latest, every revision a stage holds, then the newest others up to {@link #HISTORY}. */
  private static List<Revision> keep(List<Revision> revisions, List<StageRevision> stages, String latest) {
    Set<String> held = new LinkedHashSet<>();
    held.add(latest);
    stages.forEach(s -> {
      if (s.revision() != null) {
        held.add(s.revision());
      }
    });
    List<Revision> out = new ArrayList<>();
    for (Revision r : revisions) {
      if (held.contains(r.revision()) || out.size() < HISTORY) {
        out.add(r);
      }
    }
    return out;
  }
}
