package io.stageboundary.operator.stage.claims;

import java.util.Collection;
import java.util.HashMap;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which accounts each Stage claims, to find accounts two Stages both claim. Two Stages of the
 * same organisation conflict on an account when both target it and would write the same physical
 * thing in it ({@link #writesOf}: the boundary policy, a bootstrap stack, a qualifier's roles and
 * version parameter). Conflicted accounts are left alone by both Stages until the manifests are
 * fixed, so neither wins by reconciling last, and no two Stages rewrite one stack in turn.
 *
 * <p>Held in memory and rebuilt as every Stage reconciles after a start; {@link #complete} tells a
 * Stage whether every other Stage of its organisation has published its claim yet, and until then
 * it writes nothing.
 */
public final class StageClaims {

  /**
   * @param writes what the Stage writes in each account it claims ({@link #writesOf})
   */
  public record Claim(String stage, String organization, long generation, Set<String> accounts,
      Set<String> writes) {
    boolean fightsWith(Claim other) {
      return organization.equals(other.organization) && !shared(other).isEmpty();
    }

    /** What both would write in an account they both claim. */
    Set<String> shared(Claim other) {
      Set<String> both = new TreeSet<>(writes);
      both.retainAll(other.writes);
      return both;
    }
  }

  /**
   * What a Stage writes in every account it targets, named so that two Stages that would write
   * the same thing have the same name: the boundary policy (IAM is global), and with bootstrap on,
   * per region, the bootstrap stack and the qualifier's resources ({@code cdk-<qualifier>-*}
   * roles, {@code /cdk-bootstrap/<qualifier>/version}). The one place the conflict key comes from.
   */
  public static Set<String> writesOf(StageSpec spec) {
    Set<String> writes = new TreeSet<>();
    writes.add("boundary policy " + (spec.boundary() == null ? "" : spec.boundary().policyName()));
    StageSpec.Bootstrap b = spec.bootstrapOrDefault();
    List<String> regions = spec.targets() == null || spec.targets().regions() == null ? List.of()
        : spec.targets().regions();
    if (b.enabledOrDefault()) {
      for (String region : regions) {
        writes.add("bootstrap stack " + b.stackNameOrDefault() + " in " + region);
        writes.add("CDK qualifier " + b.qualifierOrDefault() + " resources in " + region);
      }
    }
    return writes;
  }

  private final Map<String, Claim> claims = new HashMap<>();

  /**
   * Records a Stage's claim; returns the other Stages whose conflicts may have changed (to be
   * reconciled again): none when the claim is the one already recorded.
   */
  public synchronized Set<String> publish(Claim claim) {
    Claim before = claims.put(claim.stage(), claim);
    if (claim.equals(before)) {
      // nothing changed for the others: waking them would make two conflicting Stages wake each
      // other without end (each pass reads AWS)
      return Set.of();
    }
    Set<String> affected = new HashSet<>();
    for (Claim other : claims.values()) {
      if (other.stage().equals(claim.stage()) || !other.organization().equals(claim.organization())) {
        continue;
      }
      boolean nowOverlaps = claim.fightsWith(other) && overlaps(claim.accounts(), other.accounts());
      boolean overlapped = before != null && before.fightsWith(other)
          && overlaps(before.accounts(), other.accounts());
      if (nowOverlaps || overlapped) {
        affected.add(other.stage());
      }
    }
    return affected;
  }

  /** Forgets a deleted Stage; returns the Stages it was in conflict with. */
  public synchronized Set<String> remove(String stage) {
    Claim gone = claims.remove(stage);
    if (gone == null) {
      return Set.of();
    }
    Set<String> affected = new HashSet<>();
    for (Claim other : claims.values()) {
      if (gone.fightsWith(other) && overlaps(gone.accounts(), other.accounts())) {
        affected.add(other.stage());
      }
    }
    return affected;
  }

  /** Account to the other Stages that also claim it. */
  public synchronized Map<String, Set<String>> conflictsOf(String stage) {
    Claim mine = claims.get(stage);
    Map<String, Set<String>> out = new TreeMap<>();
    if (mine == null) {
      return out;
    }
    for (Claim other : claims.values()) {
      if (other.stage().equals(stage) || !mine.fightsWith(other)) {
        continue;
      }
      for (String account : mine.accounts()) {
        if (other.accounts().contains(account)) {
          out.computeIfAbsent(account, a -> new TreeSet<>()).add(other.stage());
        }
      }
    }
    return out;
  }

  /** For each other Stage this one conflicts with: what both would write. */
  public synchronized Map<String, Set<String>> contested(String stage) {
    Claim mine = claims.get(stage);
    Map<String, Set<String>> out = new TreeMap<>();
    if (mine == null) {
      return out;
    }
    for (Claim other : claims.values()) {
      if (!other.stage().equals(stage) && mine.fightsWith(other) && overlaps(mine.accounts(), other.accounts())) {
        out.put(other.stage(), mine.shared(other));
      }
    }
    return out;
  }

  /**
   * True when every Stage in {@code peers} (name and generation of each Stage of the same
   * organisation) has published a claim for its current generation.
   */
  public synchronized boolean complete(Collection<Map.Entry<String, Long>> peers) {
    for (Map.Entry<String, Long> peer : peers) {
      Claim c = claims.get(peer.getKey());
      if (c == null || c.generation() != peer.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static boolean overlaps(Set<String> a, Set<String> b) {
    Set<String> small = a.size() < b.size() ? a : b;
    Set<String> large = small == a ? b : a;
    for (String x : small) {
      if (large.contains(x)) {
        return true;
      }
    }
    return false;
  }
}
