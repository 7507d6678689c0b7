package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BootstrapStacks.StackView;
import io.stageboundary.operator.cdk.BootstrapPlanner;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one pass read of a bootstrap stack: the stack, if there is one, its bootstrap version, and
 * when it was read (a read of the account's roles taken since shows them as the stack left them).
 */
record StackRead(Optional<StackView> stack, Optional<Integer> version, Instant at) {
  static StackRead of(Want want, BootstrapStacks stacks, Instant now) {
    Optional<StackView> stack = stacks.describe(want.stackName());
    Optional<Integer> version = stack.flatMap(StackView::versionOutput);
    if (stack.isPresent() && version.isEmpty()) {
      version = stacks.bootstrapVersion(want.qualifier());
    }
    return new StackRead(stack, version, now);
  }

  /** How old a read of the account's IAM may be at {@code now} to show the roles as this read of the stack left them. */
  Duration since(Instant now) {
    return Duration.between(at, now);
  }

  /** The pair's report with the stack as read: its status, version and parameters, checked and read at {@code at}. */
  RegionBootstrap report(String region, BootstrapState state, String execBoundary, String message,
      DriftReason driftReason, String at) {
    return new RegionBootstrap(region, state, stack.map(StackView::status).orElse(null), version.orElse(null),
        stack.map(s -> s.parameters().get(BootstrapPlanner.BOUNDARY_PARAMETER)).orElse(null),
        stack.map(s -> s.parameters().get(BootstrapPlanner.ALL_ROLES_PARAMETER)).map(Boolean::parseBoolean).orElse(null),
        execBoundary, at, message, driftReason == null ? null : driftReason.name(),
        listParameter(BootstrapPlanner.TRUSTED_PARAMETER),
        listParameter(BootstrapPlanner.TRUSTED_FOR_LOOKUP_PARAMETER),
        listParameter(BootstrapPlanner.EXECUTION_POLICIES_PARAMETER), null, at, null);
  }

  /** A list parameter as the stack holds it; null when there is no stack or no such parameter. */
  private List<String> listParameter(String name) {
    return stack.filter(s -> s.parameters().containsKey(name)).map(s -> BootstrapPlanner.split(s.parameters().get(name)))
        .orElse(null);
  }
}
