package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRules;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRulesStatus;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.stage.pass.Gate;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.status.StageStatusBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Stage's boundary with its shared rules in: the guards come first (in rendering), then each
 * included BoundaryRules at the revision its promotion allows this stage, then the Stage's own
 * statements; rendered and validated together (size, duplicate sids, the catalogue).
 */
final class IncludedRules {
  private IncludedRules() {}

  /** The boundary to render, the revisions it includes, and a hint for errors that span the parts. */
  record Merged(StageSpec.Boundary boundary, List<StageStatus.Included> included, String hint) {}

  static Gate<Merged> merge(StageInputs in, StageStatusBuilder status) {
    StageSpec.Boundary own = in.stage().getSpec().boundary();
    if (own == null || own.includeOrEmpty().isEmpty()) {
      return Gate.go(new Merged(own, List.of(), ""));
    }
    List<StageSpec.Statement> statements = new ArrayList<>();
    List<StageStatus.Included> included = new ArrayList<>();
    for (StageSpec.Include include : own.includeOrEmpty()) {
      BoundaryRules rules = in.rules().get(include.name());
      if (rules == null) {
        status.stalled(ConditionReason.IncludedRulesNotFound, "BoundaryRules '" + include.name() + "' does not exist: create it or "
            + "remove it from spec.boundary.include");
        return Gate.stop(Duration.ofMinutes(1));
      }
      BoundaryRulesStatus rs = rules.getStatus();
      Optional<BoundaryRulesStatus.StageRevision> mine = rs == null || rs.stages() == null ? Optional.empty()
          : rs.stages().stream().filter(s -> s.stage().equals(in.name())).findFirst();
      if (mine.isEmpty()) {
        status.progressing(ConditionReason.WaitingForRules, "BoundaryRules '" + include.name() + "' has not placed this stage in "
            + "its promotion yet");
        return Gate.stop(Duration.ofSeconds(5));
      }
      String revision = mine.get().revision();
      Optional<BoundaryRulesStatus.Revision> held = revision == null || rs.revisions() == null ? Optional.empty()
          : rs.revisions().stream().filter(r -> r.revision().equals(revision)).findFirst();
      if (held.isEmpty()) {
        status.progressing(ConditionReason.WaitingForPromotion, "BoundaryRules '" + include.name() + "' has no revision for this "
            + "stage yet: it waits for " + mine.get().waitingFor());
        return Gate.stop(Duration.ofSeconds(30));
      }
      statements.addAll(held.get().statements());
      included.add(new StageStatus.Included(include.name(), revision));
    }
    if (own.statements() != null) {
      statements.addAll(own.statements());
    }
    return Gate.go(new Merged(new StageSpec.Boundary(own.policyName(), statements, own.allowedActions(),
        own.include()), included, " (the boundary includes " + String.join(", ", included.stream()
        .map(i -> i.name() + "@" + i.revision()).toList()) + ")"));
  }
}
