package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.aws.BootstrapStacks.StackView;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.cdk.BootstrapPlanner;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Drift of one bootstrap stack: what changed since the operator made it what the stage wants,
 * judged against the last report (pure). A change of the stage itself is not drift.
 *
 * @param what what changed, for the StageAccount's message
 */
record StackDrift(DriftReason reason, String what) {

  /** The stack was current with the boundary and settings the stage wants now ({@code want} for its account). */
  static boolean carries(Want want, RegionBootstrap last) {
    return want.policyName().equals(last.boundaryParameter())
        && want.applyToAllRoles() == Boolean.TRUE.equals(last.applyToAllRoles())
        && sameSet(want.trustedAccounts(), last.trustedAccounts())
        && sameSet(want.trustedAccountsForLookup(), last.trustedAccountsForLookup())
        && sameSet(want.executionPolicies(), last.executionPolicies());
  }

  /** Unset in the stage (null) matches whatever the stack holds. */
  private static boolean sameSet(List<String> wanted, List<String> held) {
    return wanted == null || BootstrapPlanner.sameMembers(wanted, held == null ? List.of() : held);
  }

  /**
   * A stack the operator had bootstrapped that changed since, while the stage did not: drift, not
   * first-time work. A change of the stage itself (another applyToAllRoles, a higher
   * minimumVersion) is not drift.
   */
  static StackDrift of(Want want, RegionBootstrap last, boolean wasCurrent, Optional<StackView> stack,
      Optional<Integer> version) {
    if (stack.isEmpty()) {
      return new StackDrift(DriftReason.StackDeleted, "the bootstrap stack " + want.stackName() + " was deleted");
    }
    Map<String, String> p = stack.get().parameters();
    if (!want.policyName().equals(p.get(BootstrapPlanner.BOUNDARY_PARAMETER))
        || want.applyToAllRoles() != Boolean.parseBoolean(p.getOrDefault(BootstrapPlanner.ALL_ROLES_PARAMETER, "false"))) {
      return new StackDrift(DriftReason.ParameterChanged, "InputPermissionsBoundary is '"
          + p.get(BootstrapPlanner.BOUNDARY_PARAMETER) + "' (for example after cdk bootstrap --no-previous-parameters)");
    }
    Optional<String> profile = want.profileDifference(p);
    if (profile.isPresent()) {
      return new StackDrift(DriftReason.ParameterChanged, profile.get() + " is '" + p.getOrDefault(profile.get(), "")
          + "', the stage sets '" + want.profile().get(profile.get()) + "' (changed outside the operator)");
    }
    if (version.isEmpty() || last.version() == null) {
      return null;
    }
    if (wasCurrent && version.get() < last.version()) {
      return new StackDrift(DriftReason.Downgraded, "the bootstrap stack went from version " + last.version()
          + " to " + version.get());
    }
    if (!wasCurrent && DriftReason.of(last.driftReason()).orElse(null) == DriftReason.Downgraded
        && version.get() <= last.version()) {
      return new StackDrift(DriftReason.Downgraded, "the bootstrap stack was downgraded to version " + version.get());
    }
    return null;
  }
}
