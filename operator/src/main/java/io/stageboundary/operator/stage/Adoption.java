package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.StageInputs;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which accounts' policies the stage takes over ({@code spec.boundary.adoptExisting}): targeted
 * accounts where CloudFormation could not create the stage's policy because one of that name was
 * made outside the StackSet (the instance failed so), or that were taken over before (their
 * StageAccount says so). CloudFormation cannot own such a policy, so the StackSet leaves these
 * accounts alone (their instance is neither retried nor deleted) and the operator keeps the
 * policy's document directly, as it repairs drift; see docs/architecture.md, "Taking over a policy
 * made by hand".
 */
final class Adoption {
  private Adoption() {}

  static Set<String> accounts(StageInputs in, BoundaryDocument doc, Observation seen) {
    Set<String> out = new TreeSet<>();
    if (!in.stage().getSpec().boundary().adoptsExisting()) {
      return out;
    }
    Map<String, InstanceView> instances = seen.instancesByAccount();
    Map<String, StageAccountStatus.Boundary> last = in.lastReported(StageAccountStatus::boundary);
    for (String account : seen.deployTo().keySet()) {
      InstanceView i = instances.get(account);
      boolean taken = i != null && i.failed() && i.statusReason() != null
          && AccountChecks.takenName(i.statusReason(), doc.policyName());
      boolean before = last.get(account) != null && last.get(account).takenOver() && (i == null || !i.current());
      if (taken || before) {
        out.add(account);
      }
    }
    return out;
  }

  /** The accounts the StackSet deploys to: all but those taken over. */
  static SortedMap<String, String> deployTo(Observation seen, Set<String> adopted) {
    SortedMap<String, String> out = new TreeMap<>(seen.deployTo());
    adopted.forEach(out::remove);
    return out;
  }
}
