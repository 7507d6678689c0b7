package io.stageboundary.operator.stage.pass;

import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRules;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What one pass over a Stage reads from the cluster, gathered before anything else: the Stage,
 * its AwsOrganization, its StageAccounts (what was last reported per account), and the other
 * Stages of the organisation by generation (for claims).
 *
 * @param peers name to generation of every Stage of the same organisation that is not being deleted
 * @param writeAhead writes a status to the cluster at once (an operation id before its request)
 * @param rules the BoundaryRules the Stage includes, by name (those that exist)
 * @param exceptions the BoundaryExceptions that name this Stage
 */
public record StageInputs(Stage stage, Optional<AwsOrganization> organization, Collection<StageAccount> accounts,
    Map<String, Long> peers, Consumer<StageStatus> writeAhead, Map<String, BoundaryRules> rules,
    Collection<io.stageboundary.operator.api.v1alpha1.exception.BoundaryException> exceptions) {

  public StageInputs(Stage stage, Optional<AwsOrganization> organization, Collection<StageAccount> accounts,
      Map<String, Long> peers, Consumer<StageStatus> writeAhead, Map<String, BoundaryRules> rules) {
    this(stage, organization, accounts, peers, writeAhead, rules, List.of());
  }

  public StageInputs(Stage stage, Optional<AwsOrganization> organization, Collection<StageAccount> accounts,
      Map<String, Long> peers, Consumer<StageStatus> writeAhead) {
    this(stage, organization, accounts, peers, writeAhead, Map.of());
  }

  /** What each account's StageAccount last reported, by account id. */
  public <T> Map<String, T> lastReported(Function<StageAccountStatus, T> part) {
    Map<String, T> out = new HashMap<>();
    for (StageAccount a : accounts) {
      if (a.getStatus() != null && a.getSpec() != null && part.apply(a.getStatus()) != null) {
        out.put(a.getSpec().accountId(), part.apply(a.getStatus()));
      }
    }
    return out;
  }

  public String name() {
    return stage.getMetadata().getName();
  }

  public List<String> regions() {
    return stage.getSpec().targets().regions();
  }
}
