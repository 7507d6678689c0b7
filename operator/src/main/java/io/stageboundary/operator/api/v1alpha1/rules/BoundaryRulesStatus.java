package io.stageboundary.operator.api.v1alpha1.rules;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.stageboundary.operator.api.v1alpha1.Condition;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record BoundaryRulesStatus(
    @JsonPropertyDescription("The .metadata.generation this status describes.") Long observedGeneration,
    @JsonPropertyDescription("Ready (the statements are valid and every listed stage holds the latest revision), Reconciling, Stalled.") List<Condition> conditions,
    @JsonPropertyDescription("The latest revision: a hash of the statements.") String revision,
    @JsonPropertyDescription("Where each stage stands, e.g. dev=abc123 beta=abc123 prod=9f8e7d (waits until 2026-12-02T10:00:00Z).") String summary,
    @JsonPropertyDescription("The revisions stages may still hold (the latest and the ones stages hold or held), newest first.") List<Revision> revisions,
    @JsonPropertyDescription("Per stage: the revision it may hold, since when it has held it healthy, and when the next stage becomes eligible.") List<StageRevision> stages) {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Revision(
      @JsonPropertyDescription("The revision.") String revision,
      @JsonPropertyDescription("When the operator first saw it.") String firstSeen,
      @JsonPropertyDescription("Its statements.") List<StageSpec.Statement> statements) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StageRevision(
      @JsonPropertyDescription("The Stage.") String stage,
      @JsonPropertyDescription("The revision the stage may hold now (it renders its boundary with it).") String revision,
      @JsonPropertyDescription("When the stage was last promoted to it.") String promotedAt,
      @JsonPropertyDescription("Since when the stage has been Ready, InSync and Enforced with it; absent while it is not.") String healthySince,
      @JsonPropertyDescription("When the next stage in the order becomes eligible for this revision (healthySince + soak).") String nextEligibleAt,
      @JsonPropertyDescription("Revisions the stage has held healthy: going back to one of them needs no soak.") List<String> proven,
      @JsonPropertyDescription("Revisions the stage has held healthy for the whole soak.") List<String> soaked,
      @JsonPropertyDescription("Why it does not hold the latest revision yet, when it does not.") String waitingFor) {}
}
