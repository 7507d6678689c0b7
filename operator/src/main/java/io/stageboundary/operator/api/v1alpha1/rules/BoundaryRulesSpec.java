package io.stageboundary.operator.api.v1alpha1.rules;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import io.stageboundary.operator.api.v1alpha1.organization.Durations;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.time.Duration;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record BoundaryRulesSpec(
    @Required
    @Size(min = 1, max = 50)
    @JsonPropertyDescription("Statements every including Stage's boundary gets, after the guards and before the Stage's own statements; the same grammar as a Stage's statements.")
    List<StageSpec.Statement> statements,

    @JsonPropertyDescription("How a new revision of these statements reaches the stages. Unset: every including stage gets it at once.")
    Promotion promotion) {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Promotion(
      @Required
      @Size(min = 1, max = 20)
      @JsonPropertyDescription("Stage names in promotion order, e.g. [dev, beta, prod]. A new revision reaches the first at once, each next one only after the one before has been Ready, InSync and Enforced with it for the soak time. Including stages not listed get it at once.")
      List<@Pattern(ApiGroup.DNS_LABEL) @Size(max = 63) String> stages,

      @Default("24h")
      @Pattern("^([0-9]+(ms|s|m|h))+$")
      @JsonPropertyDescription("How long a stage must hold a revision, healthy, before the next stage gets it, e.g. 24h.")
      String soak) {

    public Duration soakOrDefault() {
      return soak == null ? Duration.ofHours(24) : Durations.parse(soak);
    }
  }
}
