package io.stageboundary.operator.stage.pass;

import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.organization.OrganizationContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

/**
 * What one pass learned before deciding anything: the organisation, the accounts the Stage owns,
 * its StackSet and instances, and how membership changed since the last rollout.
 *
 * @param targeted every account the targets resolve to, to the OU it sits in (conflicts included)
 * @param conflicts accounts another Stage also claims, to those Stages
 * @param deployTo accounts to deploy to now, to the OU each is addressed through
 * @param held accounts nobody may write to now: conflicts, and under Report those that left
 * @param joined accounts that joined the targeted OUs after the last rollout (under Report)
 * @param left accounts that left the targeted OUs after the last rollout (under Report)
 * @param suspended accounts below the targeted OUs that are suspended or closing: left alone, not counted
 * @param instances the StackSet's instances in the home region
 * @param detectionRunning StackSet drift detection is running (it holds the operation slot)
 */
public record Observation(OrganizationContext organization, OrganizationSnapshot snapshot,
    SortedMap<String, String> targeted, Map<String, Set<String>> conflicts, SortedMap<String, String> deployTo,
    Set<String> held, Set<String> joined, Set<String> left, Set<String> suspended, Optional<StackSetView> stackSet,
    List<InstanceView> instances, boolean detectionRunning) {

  public Map<String, InstanceView> instancesByAccount() {
    Map<String, InstanceView> out = new HashMap<>();
    instances.forEach(i -> out.put(i.accountId(), i));
    return out;
  }

  /** The current parent OU of every account of the organisation. */
  public Map<String, String> parents() {
    Map<String, String> parents = new HashMap<>();
    snapshot.accounts().values().forEach(a -> parents.put(a.id(), a.parentId()));
    return parents;
  }
}
