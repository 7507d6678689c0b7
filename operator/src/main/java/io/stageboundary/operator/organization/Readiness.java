package io.stageboundary.operator.organization;

import io.stageboundary.operator.api.v1alpha1.Condition;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.operator.kube.Conditions;
import java.util.Objects;
import java.util.Optional;

/** Whether Stages may use an AwsOrganization, read from its status. */
public final class Readiness {
  private Readiness() {}

  public static boolean ready(AwsOrganization org) {
    if (org.getStatus() == null || org.getStatus().conditions() == null) {
      return false;
    }
    // An organisation whose deletion waits for its Stages (InUse) still works: its Stages carry on.
    boolean inUse = org.getMetadata().getDeletionTimestamp() != null && org.getStatus().organizationId() != null
        && org.getStatus().conditions().stream().anyMatch(c -> Conditions.STALLED.equals(c.getType())
            && "True".equals(c.getStatus()) && ConditionReason.InUse.name().equals(c.getReason()));
    return inUse || org.getStatus().conditions().stream().anyMatch(c -> Conditions.READY.equals(c.getType())
        && "True".equals(c.getStatus()) && Objects.equals(c.getObservedGeneration(), org.getMetadata().getGeneration()));
  }

  /** The Ready condition's message, to say why a Stage waits. */
  public static Optional<String> readyMessage(AwsOrganization org) {
    if (org.getStatus() == null || org.getStatus().conditions() == null) {
      return Optional.empty();
    }
    return org.getStatus().conditions().stream().filter(c -> Conditions.READY.equals(c.getType()))
        .map(Condition::getMessage).findFirst();
  }
}
