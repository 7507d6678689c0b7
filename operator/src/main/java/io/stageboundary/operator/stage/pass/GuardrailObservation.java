package io.stageboundary.operator.stage.pass;

import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.aws.ServiceControlPolicies;
import io.stageboundary.operator.aws.ServiceControlPolicies.Scp;
import io.stageboundary.operator.policy.GuardrailPolicy;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What one pass found of the stage's service control policy ({@code spec.guardrail}).
 *
 * @param desired the SCP the spec asks for; null when the guardrail is off
 * @param actual the SCP in the organisation, if there is one
 * @param attached where it is attached
 * @param wanted where it should be: the targeted OUs and accounts
 * @param drift what changed out of band since the operator last wrote it, by target
 */
public record GuardrailObservation(GuardrailPolicy desired, Optional<Scp> actual, Set<String> attached, Set<String> wanted,
    Map<String, DriftReason> drift, OrganizationSnapshot snapshot, ServiceControlPolicies scps) {
  public static GuardrailObservation off(ServiceControlPolicies scps) {
    return new GuardrailObservation(null, Optional.empty(), Set.of(), Set.of(), Map.of(), null, scps);
  }

  public boolean enabled() {
    return desired != null;
  }

  public boolean contentCurrent() {
    return actual.isPresent() && GuardrailPolicy.revisionOf(actual.get().content()).equals(desired.revision());
  }

  /** The SCP holds the desired document and sits on every wanted target. */
  public boolean inPlace() {
    return enabled() && contentCurrent() && attached.containsAll(wanted);
  }

  /**
   * Which accounts the current SCP applies to: attached to the account or to an OU above it. Whether
   * the SCP holds the current document is decided once, not per account.
   */
  public Predicate<String> coverage() {
    if (!enabled() || !contentCurrent() || snapshot == null) {
      return account -> false;
    }
    return account -> snapshot.pathTo(account).stream().anyMatch(attached::contains);
  }
}
