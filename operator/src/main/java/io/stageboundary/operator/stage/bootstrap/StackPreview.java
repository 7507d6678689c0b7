package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.cdk.BootstrapPlanner;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.stage.pass.Preflight;
import java.util.Optional;

/** A plan's look at one bootstrap stack: what would be written, or what stands in the way, or neither. */
public record StackPreview(Optional<StackWrite> write, Optional<Preflight> blocker) {
  static final StackPreview NOTHING = new StackPreview(Optional.empty(), Optional.empty());

  static StackPreview writes(StackWrite w) {
    return new StackPreview(Optional.of(w), Optional.empty());
  }

  static StackPreview blocked(Preflight p) {
    return new StackPreview(Optional.empty(), Optional.of(p));
  }

  /**
   * What a pass would do to this stack, reading only: for a plan. A write (update or create it),
   * or what will keep it from being written (a failed or busy stack, another variant, a member
   * role that cannot be assumed), or neither.
   */
  static StackPreview of(Want stageWant, BootstrapRunner.Pair pair, BootstrapStacks stacks) {
    try {
      BootstrapPlanner.Decision d = BootstrapPair.decide(stageWant.in(pair.account()), null,
          StackRead.of(stageWant.in(pair.account()), stacks, java.time.Instant.now()));
      if (d instanceof BootstrapPlanner.Update) {
        return writes(StackWrite.UPDATE);
      }
      if (d instanceof BootstrapPlanner.Create) {
        return writes(StackWrite.CREATE);
      }
      if (d instanceof BootstrapPlanner.Report r) {
        Preflight.Reason reason = switch (r.state()) {
          case FAILED -> Preflight.Reason.BootstrapStackFailed;
          case UPDATING -> Preflight.Reason.BootstrapStackInProgress;
          case FOREIGN -> Preflight.Reason.ForeignBootstrap;
          default -> null;
        };
        if (reason != null) {
          return blocked(new Preflight(pair.account(), pair.region(), reason, r.message()));
        }
      }
      return NOTHING;
    } catch (AwsFailure f) {
      boolean role = f.kind() == AwsFailure.Kind.MEMBER_ROLE_UNAVAILABLE;
      return blocked(new Preflight(pair.account(), role ? null : pair.region(),
          role ? Preflight.Reason.MemberRoleMissing : Preflight.Reason.NotReadable, f.getMessage()));
    }
  }
}
