package io.stageboundary.operator.api.v1alpha1.organization;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.stageboundary.operator.api.v1alpha1.Condition;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record AwsOrganizationStatus(
    @JsonPropertyDescription("The .metadata.generation this status describes.") Long observedGeneration,
    @JsonPropertyDescription("Ready, Reconciling and Stalled, in the kstatus convention.") List<Condition> conditions,
    @JsonPropertyDescription("The organisation's id, e.g. o-abc123.") String organizationId,
    @JsonPropertyDescription("The organisation's management account.") String managementAccountId,
    @JsonPropertyDescription("The account the operator's credentials act in.") String callerAccountId,
    @JsonPropertyDescription("Member accounts in the organisation, from the last refresh.") Integer accounts,
    @JsonPropertyDescription("Organizational units in the organisation, from the last refresh.") Integer organizationalUnits,
    @JsonPropertyDescription("Whether the operator can manage service control policies (a Stage's spec.guardrail needs it).") PolicyManagement policyManagement) {

  public AwsOrganizationStatus(Long observedGeneration, List<Condition> conditions, String organizationId,
      String managementAccountId, String callerAccountId, Integer accounts, Integer organizationalUnits) {
    this(observedGeneration, conditions, organizationId, managementAccountId, callerAccountId, accounts,
        organizationalUnits, null);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PolicyManagement(
      @JsonPropertyDescription("Service control policies are enabled on the root.") Boolean serviceControlPoliciesEnabled,
      @JsonPropertyDescription("The operator's identity may create, update, attach, detach and delete SCPs.") Boolean canManage,
      @JsonPropertyDescription("How: ManagementAccount, DelegatedAdministrator (the organisation's resource-based delegation policy), or None.") Via via,
      @JsonPropertyDescription("What is missing, and what to grant, when it cannot.") String message) {

    public enum Via { ManagementAccount, DelegatedAdministrator, None }
  }
}
