package io.stageboundary.operator.api.v1alpha1.exception;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.breakGlass) && self.breakGlass) || has(self.approvedBy)",
    message = "approvedBy is required unless breakGlass is true")
@ValidationRule(value = "self.statements.all(s, !(s in ['ExplicitAllowAll', 'AllowListedActions', "
    + "'DenyAccessIfRequiredPermBoundaryIsNotBeingApplied', 'DenyPermBoundaryIAMPolicyAlteration', "
    + "'DenyRemovalOfPermBoundaryFromAnyUserOrRole']))",
    message = "the guard statements keep the boundary in place and can never be lifted")
public record BoundaryExceptionSpec(
    @Required @Pattern(ApiGroup.DNS_LABEL) @Size(max = 63)
    @JsonPropertyDescription("The Stage whose boundary this bends.") String stage,

    @Required @Size(min = 1, max = 20)
    @JsonPropertyDescription("The accounts it applies to (12-digit ids); each must be one of the stage's accounts. The others keep the whole boundary.")
    List<@Pattern("^[0-9]{12}$") String> accounts,

    @Required @Size(min = 1, max = 10)
    @JsonPropertyDescription("The Sids of the stage's Deny statements to lift, e.g. [DenyConfigRules]. The guard statements can never be lifted.")
    List<@Pattern("^[A-Za-z0-9]{1,128}$") String> statements,

    @Required @Size(min = 1, max = 1024)
    @JsonPropertyDescription("Why: shown in events and on the StageAccounts.") String reason,

    @Size(max = 256)
    @JsonPropertyDescription("A ticket or other reference, e.g. SEC-1234.") String ticket,

    @Size(max = 256)
    @JsonPropertyDescription("Who approved it (required unless breakGlass).") String approvedBy,

    @Required @Pattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$")
    @JsonPropertyDescription("When it ends by itself (UTC, e.g. 2026-12-09T00:00:00Z); at most the stage's spec.exceptions.maxDuration after creation (default 30 days; breakGlassMaxDuration, default 24 hours, for break-glass).")
    String expiresAt,

    @JsonPropertyDescription("An emergency: granted without the stage's approval, for at most the stage's spec.exceptions.breakGlassMaxDuration (default 24 hours), loudly (a Warning event, the stage_boundary_exceptions_active{break_glass=\"true\"} metric an alert fires on).")
    Boolean breakGlass) {

  public boolean breakGlassOrDefault() {
    return Boolean.TRUE.equals(breakGlass);
  }
}
