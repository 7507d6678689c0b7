package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.ServiceControlPolicies;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.DuplicatePolicyAttachmentException;
import software.amazon.awssdk.services.organizations.model.Policy;
import software.amazon.awssdk.services.organizations.model.PolicyNotAttachedException;
import software.amazon.awssdk.services.organizations.model.PolicyNotFoundException;
import software.amazon.awssdk.services.organizations.model.PolicySummary;
import software.amazon.awssdk.services.organizations.model.PolicyType;
import software.amazon.awssdk.services.organizations.model.ResourcePolicyNotFoundException;
import software.amazon.awssdk.services.organizations.model.Tag;

/** Service control policies through AWS Organizations, as the operator's identity. */
final class SdkServiceControlPolicies implements ServiceControlPolicies {
  private final AwsAccess aws;

  SdkServiceControlPolicies(AwsAccess aws) {
    this.aws = aws;
  }

  private OrganizationsClient orgs() {
    return aws.organizations();
  }

  @Override
  public Optional<Scp> find(String name) {
    try {
      Optional<PolicySummary> summary = orgs().listPoliciesPaginator(r -> r.filter(PolicyType.SERVICE_CONTROL_POLICY))
          .stream().flatMap(page -> page.policies().stream()).filter(p -> name.equals(p.name())).findFirst();
      return summary.flatMap(s -> describe(s.id()));
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations ListPolicies", e);
    }
  }

  @Override
  public Optional<Scp> describe(String id) {
    try {
      Policy p = orgs().describePolicy(r -> r.policyId(id)).policy();
      Map<String, String> tags = new LinkedHashMap<>();
      orgs().listTagsForResourcePaginator(r -> r.resourceId(id)).stream().flatMap(page -> page.tags().stream()).forEach(t -> tags.put(t.key(), t.value()));
      return Optional.of(new Scp(p.policySummary().id(), p.policySummary().name(), p.content(), tags));
    } catch (PolicyNotFoundException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations DescribePolicy " + id, e);
    }
  }

  @Override
  public Set<String> targets(String policyId) {
    try {
      Set<String> out = new TreeSet<>();
      orgs().listTargetsForPolicyPaginator(r -> r.policyId(policyId)).stream()
          .flatMap(page -> page.targets().stream()).forEach(t -> out.add(t.targetId()));
      return out;
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations ListTargetsForPolicy " + policyId, e);
    }
  }

  @Override
  public int attachedTo(String targetId) {
    try {
      return (int) orgs().listPoliciesForTargetPaginator(r -> r.targetId(targetId)
          .filter(PolicyType.SERVICE_CONTROL_POLICY)).stream().mapToLong(page -> page.policies().size()).sum();
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations ListPoliciesForTarget " + targetId, e);
    }
  }

  @Override
  public String create(String name, String description, String content, Map<String, String> tags) {
    try {
      return orgs().createPolicy(r -> r.name(name).description(description).content(content)
          .type(PolicyType.SERVICE_CONTROL_POLICY)
          .tags(tags.entrySet().stream().map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build()).toList()))
          .policy().policySummary().id();
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations CreatePolicy " + name, e);
    }
  }

  @Override
  public void update(String policyId, String content) {
    try {
      orgs().updatePolicy(r -> r.policyId(policyId).content(content));
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations UpdatePolicy " + policyId, e);
    }
  }

  @Override
  public void attach(String policyId, String targetId) {
    try {
      orgs().attachPolicy(r -> r.policyId(policyId).targetId(targetId));
    } catch (DuplicatePolicyAttachmentException e) {
      // attached already: what was wanted
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations AttachPolicy " + policyId + " to " + targetId, e);
    }
  }

  @Override
  public void detach(String policyId, String targetId) {
    try {
      orgs().detachPolicy(r -> r.policyId(policyId).targetId(targetId));
    } catch (PolicyNotAttachedException | PolicyNotFoundException e) {
      // detached already
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations DetachPolicy " + policyId + " from " + targetId, e);
    }
  }

  @Override
  public void delete(String policyId) {
    try {
      orgs().deletePolicy(r -> r.policyId(policyId));
    } catch (PolicyNotFoundException e) {
      // gone already
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations DeletePolicy " + policyId, e);
    }
  }

  @Override
  public Optional<String> delegationPolicy() {
    try {
      return Optional.ofNullable(orgs().describeResourcePolicy(r -> { }).resourcePolicy().content());
    } catch (ResourcePolicyNotFoundException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations DescribeResourcePolicy", e);
    }
  }
}
