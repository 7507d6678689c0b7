package io.stageboundary.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * A status condition in the Kubernetes convention (metav1.Condition), so kstatus, kubectl wait,
 * Argo CD and Flux read it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "status", "observedGeneration", "lastTransitionTime", "reason", "message"})
public class Condition {
  @Required
  @JsonPropertyDescription("Type of the condition, e.g. Ready, Reconciling, Stalled.")
  private String type;
  @Required
  @JsonPropertyDescription("True, False or Unknown.")
  private String status;
  @JsonPropertyDescription("The .metadata.generation the condition was computed for.")
  private Long observedGeneration;
  @JsonPropertyDescription("When the status last changed (RFC 3339).")
  private String lastTransitionTime;
  @JsonPropertyDescription("CamelCase reason for the status, for machines.")
  private String reason;
  @JsonPropertyDescription("What happened and, when something needs fixing, what to change. Never contains credentials.")
  private String message;

  public Condition() {}

  public Condition(String type, String status, Long observedGeneration, String lastTransitionTime,
      String reason, String message) {
    this.type = type;
    this.status = status;
    this.observedGeneration = observedGeneration;
    this.lastTransitionTime = lastTransitionTime;
    this.reason = reason;
    this.message = message;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  /** Equal apart from lastTransitionTime, which must not make a status look changed. */
  public boolean sameAs(Condition o) {
    return o != null && Objects.equals(type, o.type) && Objects.equals(status, o.status)
        && Objects.equals(observedGeneration, o.observedGeneration)
        && Objects.equals(reason, o.reason) && Objects.equals(message, o.message);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition c && sameAs(c)
        && Objects.equals(lastTransitionTime, c.lastTransitionTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, status, observedGeneration, reason, message, lastTransitionTime);
  }

  @Override
  public String toString() {
    return type + "=" + status + " (" + reason + ": " + message + ")";
  }
}
