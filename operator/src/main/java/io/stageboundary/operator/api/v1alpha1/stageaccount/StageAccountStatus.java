package io.stageboundary.operator.api.v1alpha1.stageaccount;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageAccountStatus(
    @JsonPropertyDescription("The boundary policy in this account.") Boundary boundary,
    @JsonPropertyDescription("Other Stages that claim this account; while any do, nothing is written to it.") List<String> conflictsWith) {

  public enum State {
    /** The boundary is deployed at the stage's current revision. */
    CURRENT,
    /** A deployment is pending or running, or the deployed revision is older. */
    OUTDATED,
    /** The deployed policy differs from what was deployed (edited or deleted out of band). */
    DRIFTED,
    /** No stack instance exists for the account. */
    MISSING,
    /** The last deployment to this account failed. */
    FAILED,
    /** Another Stage claims the account; nothing is deployed until the manifests are fixed. */
    CONFLICT
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Boundary(
      @JsonPropertyDescription("CURRENT, OUTDATED, DRIFTED, MISSING, FAILED or CONFLICT.") State state,
      @JsonPropertyDescription("The stage revision deployed, when known.") String revision,
      @JsonPropertyDescription("The StackSet instance status (CURRENT, OUTDATED, INOPERABLE) and detailed status.") String stackInstanceStatus,
      @JsonPropertyDescription("What is wrong and what to do, when something is.") String message) {}
}
