package io.stageboundary.operator.api.v1alpha1.exception;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record BoundaryExceptionStatus(
    @JsonPropertyDescription("The .metadata.generation this status describes.") Long observedGeneration,
    @JsonPropertyDescription("Refused (it names what cannot be lifted: see message), AwaitingApproval, Pending (being applied), Active (lifted in every named account), Expired.") Phase phase,
    @JsonPropertyDescription("What the operator found, and what to change when Refused.") String message,
    @JsonPropertyDescription("The accounts where the statements are lifted now.") List<String> liftedIn) {

  public enum Phase { Refused, AwaitingApproval, Pending, Active, Expired }
}
