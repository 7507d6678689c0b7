package io.stageboundary.benchmark;

import io.stageboundary.testenv.OrganizationSeeder;
import io.stageboundary.testenv.Peers;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationAction;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationSummary;

/**
 * The StackSet rollout's own time: the longest boundary operation (not drift detection) of any
 * stage, from its creation to its end as CloudFormation reports them (ListStackSetOperations, as
 * the delegated administrator). Read once every stage is Ready, after the operator's calls are counted.
 */
final class StackSetRollouts {
  private StackSetRollouts() {}

  /** The longest boundary operation created at or after {@code since}, the apply it follows. */
  static double longestSince(Peers peers, Instant since) {
    double longest = 0;
    try (CloudFormationClient cfn = peers.awsClients().inAccount(OrganizationSeeder.TOOLING_ACCOUNT).cloudFormation()) {
      for (String stage : ScaleOrganization.STAGES) {
        for (StackSetOperationSummary op : cfn.listStackSetOperationsPaginator(r -> r
            .stackSetName("stage-boundary-" + stage).callAs(CallAs.DELEGATED_ADMIN)).summaries()) {
          if (op.action() != StackSetOperationAction.DETECT_DRIFT && op.endTimestamp() != null
              && !op.creationTimestamp().isBefore(since.minusSeconds(1))) {
            double took = Duration.between(op.creationTimestamp(), op.endTimestamp()).toMillis() / 1000.0;
            BenchmarkMain.progress("  StackSet operation of %s: %s %s, %.0f s, ended %.0f s after the apply (%s)",
                stage, op.action(), op.status(), took, Duration.between(since, op.endTimestamp()).toMillis() / 1000.0,
                op.operationPreferences());
            longest = Math.max(longest, took);
          }
        }
      }
    }
    return longest;
  }
}
