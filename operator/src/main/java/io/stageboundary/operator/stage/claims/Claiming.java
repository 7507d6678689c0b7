package io.stageboundary.operator.stage.claims;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.stage.pass.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A Stage's side of {@link StageClaims}: publishes what it claims and wakes the Stages whose
 * conflicts that changes.
 */
public final class Claiming {
  private final StageClaims claims;
  private final Consumer<Set<String>> wake;

  public Claiming(StageClaims claims, Consumer<Set<String>> wake) {
    this.claims = claims;
    this.wake = wake;
  }

  public void publish(Stage stage, Set<String> accountIds) {
    StageSpec spec = stage.getSpec();
    wake.accept(claims.publish(new StageClaims.Claim(stage.getMetadata().getName(),
        spec.organizationRef().name(), stage.getMetadata().getGeneration(), Set.copyOf(accountIds),
        StageClaims.writesOf(spec))));
  }

  /** A Stage that cannot be acted on claims nothing, so it holds no other Stage back. */
  public void publishNothing(Stage stage) {
    publish(stage, Set.of());
  }

  public void remove(String stage) {
    wake.accept(claims.remove(stage));
  }

  public boolean complete(Map<String, Long> peers) {
    return claims.complete(peers.entrySet());
  }

  public Map<String, Set<String>> conflictsOf(String stage) {
    return claims.conflictsOf(stage);
  }

  /** Names the other Stages, the accounts and what both would write there. */
  public String conflictMessage(String stage, Map<String, Set<String>> conflicts) {
    if (conflicts.isEmpty()) {
      return "no other Stage claims these accounts";
    }
    Map<String, Set<String>> contested = claims.contested(stage);
    Map<String, List<String>> byStage = new TreeMap<>();
    conflicts.forEach((account, stages) -> stages.forEach(s ->
        byStage.computeIfAbsent(s, x -> new ArrayList<>()).add(account)));
    List<String> parts = new ArrayList<>();
    byStage.forEach((s, accounts) -> parts.add("Stage " + s + " also targets " + Text.abbreviate(accounts, 5)
        + " and would write the same " + String.join(", ", contested.getOrDefault(s, Set.of()))));
    return String.join("; ", parts) + ". Nothing is written to these accounts until each is targeted by one "
        + "Stage only (use excludeAccounts, or give each Stage its own policy name, bootstrap qualifier and "
        + "bootstrap stack name).";
  }
}
