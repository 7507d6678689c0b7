package io.stageboundary.operator.aws;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The organisation's service control policies, as the operator's identity sees them (the
 * management account, or a delegated administrator for Organizations policies). One
 * implementation calls AWS Organizations; tests use a small fake.
 */
public interface ServiceControlPolicies {
  /** An SCP as Organizations holds it; {@code tags} from ListTagsForResource. */
  record Scp(String id, String name, String content, Map<String, String> tags) {}

  /** The SCP with this name, if there is one (ListPolicies, DescribePolicy, ListTagsForResource). */
  Optional<Scp> find(String name);

  /** The SCP with this id, if it still exists. */
  Optional<Scp> describe(String id);

  /** Roots, OUs and accounts the SCP is attached to (ListTargetsForPolicy). */
  Set<String> targets(String policyId);

  /** How many SCPs are attached directly to a root, OU or account (ListPoliciesForTarget). */
  int attachedTo(String targetId);

  /** Creates the SCP with these tags; returns its id. */
  String create(String name, String description, String content, Map<String, String> tags);

  void update(String policyId, String content);

  void attach(String policyId, String targetId);

  /** Detaches; a target it is not attached to (any more) is not an error. */
  void detach(String policyId, String targetId);

  /** Deletes a detached SCP; one that is gone already is not an error. */
  void delete(String policyId);

  /** The organisation's resource-based delegation policy, if it has one (DescribeResourcePolicy). */
  Optional<String> delegationPolicy();

}
