package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BootstrapStacks.StackView;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.cdk.BootstrapPlanner;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner.Pair;
import io.stageboundary.operator.stage.pass.Batches;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/**
 * Takes a stage's boundary out of the bootstrap stacks that carry it, before the boundary policy
 * is deleted (IAM refuses to delete a policy still in use as a permissions boundary).
 */
public final class BootstrapClearing {
  private BootstrapClearing() {}

  /** Where clearing the boundary out of bootstrap stacks stands. */
  public record Outcome(boolean done, List<String> written, List<String> failures) {}

  private enum Cleared { DONE, WAIT, WRITTEN, FAILED }

  private record ClearResult(Cleared what, String detail) {}

  /**
   * Clears {@code policyName} out of every bootstrap stack that carries it (InputPermissionsBoundary
   * empty, ApplyPermissionsBoundaryToAllRoles false, all else unchanged): the first step of
   * deleting a boundary, since IAM refuses to delete a policy still in use as a boundary. Stacks
   * carrying another boundary, or none, are not touched.
   */
  static Outcome clear(ExecutorService pool, String stackName, String policyName, List<Pair> all,
      Function<Pair, BootstrapStacks> stacks) {
    Map<Pair, ClearResult> results = Batches.run(pool, all, pair -> clear(stackName, policyName, pair,
        stacks.apply(pair)));
    List<String> written = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (ClearResult r : results.values()) {
      switch (r.what()) {
        case WRITTEN -> written.add(r.detail());
        case FAILED -> failures.add(r.detail());
        default -> { }
      }
    }
    boolean done = results.values().stream().allMatch(r -> r.what() == Cleared.DONE);
    return new Outcome(done, written, failures);
  }

  private static ClearResult clear(String stackName, String policyName, Pair pair, BootstrapStacks s) {
    try {
      Optional<StackView> stack = s.describe(stackName);
      if (stack.isEmpty()) {
        return new ClearResult(Cleared.DONE, null);
      }
      if (stack.get().status().endsWith("_IN_PROGRESS")) {
        return new ClearResult(Cleared.WAIT, null);
      }
      if (!policyName.equals(stack.get().parameters().get(BootstrapPlanner.BOUNDARY_PARAMETER))) {
        return new ClearResult(Cleared.DONE, null);
      }
      s.update(stackName, Optional.empty(), BootstrapPlanner.clearingParameters(stack.get().parameters()));
      return new ClearResult(Cleared.WRITTEN, pair.label());
    } catch (AwsFailure f) {
      return new ClearResult(f.kind().transientFailure() ? Cleared.WAIT : Cleared.FAILED,
          pair.label() + ": " + f.getMessage());
    }
  }
}
