package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BoundaryStackSets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AccountFilterType;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.DeploymentTargets;
import software.amazon.awssdk.services.cloudformation.model.InvalidOperationException;
import software.amazon.awssdk.services.cloudformation.model.OperationNotFoundException;
import software.amazon.awssdk.services.cloudformation.model.PermissionModels;
import software.amazon.awssdk.services.cloudformation.model.RegionConcurrencyType;
import software.amazon.awssdk.services.cloudformation.model.StackSet;
import software.amazon.awssdk.services.cloudformation.model.StackSetNotFoundException;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperation;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationPreferences;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/**
 * Service-managed StackSets through the SDK. Accounts are addressed as their parent OU
 * intersected with the account list, which reaches exactly those accounts and, with
 * auto-deployment off, no others.
 */
public final class SdkBoundaryStackSets implements BoundaryStackSets {
  private final Supplier<CloudFormationClient> cfn;
  private final CallAs callAs;

  public SdkBoundaryStackSets(Supplier<CloudFormationClient> cfn, boolean delegatedAdmin) {
    this.cfn = cfn;
    this.callAs = delegatedAdmin ? CallAs.DELEGATED_ADMIN : CallAs.SELF;
  }

  @Override
  public Optional<StackSetView> describe(String name) {
    try {
      StackSet s = cfn.get().describeStackSet(r -> r.stackSetName(name).callAs(callAs)).stackSet();
      if ("DELETED".equals(s.statusAsString())) {
        return Optional.empty();
      }
      var drift = s.stackSetDriftDetectionDetails();
      return Optional.of(new StackSetView(s.stackSetName(), s.stackSetId(), s.templateBody(),
          s.statusAsString(), drift == null ? null : drift.driftStatusAsString(),
          drift == null ? null : drift.lastDriftCheckTimestamp()));
    } catch (StackSetNotFoundException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation DescribeStackSet", e);
    }
  }

  @Override
  public boolean acceptsDelegatedAdmin() {
    try {
      cfn.get().listStackSets(r -> r.callAs(CallAs.DELEGATED_ADMIN).maxResults(1));
      return true;
    } catch (SdkException e) {
      AwsFailure f = SdkFailures.of("CloudFormation ListStackSets", e);
      if (f.kind() == AwsFailure.Kind.INVALID) {
        return false;
      }
      throw f;
    }
  }

  @Override
  public String create(String name, String templateBody, String description, Map<String, String> tags) {
    try {
      return cfn.get().createStackSet(r -> r.stackSetName(name).callAs(callAs)
          .permissionModel(PermissionModels.SERVICE_MANAGED)
          // The operator decides membership (exclusions and conflicts must hold for new
          // accounts too), so AWS must not deploy on its own when an account joins an OU.
          .autoDeployment(a -> a.enabled(false))
          .capabilities(Capability.CAPABILITY_NAMED_IAM)
          .description(description).templateBody(templateBody)
          .tags(tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey())
              .value(e.getValue()).build()).toList())).stackSetId();
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation CreateStackSet", e);
    }
  }

  @Override
  public void updateTemplate(String name, String templateBody, OperationPreferences prefs,
      String operationId) {
    try {
      cfn.get().updateStackSet(r -> r.stackSetName(name).callAs(callAs).templateBody(templateBody)
          .capabilities(Capability.CAPABILITY_NAMED_IAM).operationId(operationId)
          .operationPreferences(preferences(prefs)));
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation UpdateStackSet", e);
    }
  }

  @Override
  public void updateInstances(String name, Collection<Target> targets, String region,
      OperationPreferences prefs, String operationId) {
    try {
      cfn.get().updateStackSet(r -> r.stackSetName(name).callAs(callAs).usePreviousTemplate(true)
          .capabilities(Capability.CAPABILITY_NAMED_IAM).operationId(operationId)
          .deploymentTargets(targets(targets)).regions(region)
          .operationPreferences(preferences(prefs)));
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation UpdateStackSet", e);
    }
  }

  @Override
  public Map<String, String> parameterOverrides(String name, String accountId, String region) {
    try {
      Map<String, String> out = new java.util.TreeMap<>();
      cfn.get().describeStackInstance(r -> r.stackSetName(name).callAs(callAs).stackInstanceAccount(accountId)
          .stackInstanceRegion(region)).stackInstance().parameterOverrides()
          .forEach(p -> out.put(p.parameterKey(), p.parameterValue()));
      return out;
    } catch (software.amazon.awssdk.services.cloudformation.model.StackInstanceNotFoundException e) {
      return Map.of();
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation DescribeStackInstance", e);
    }
  }

  @Override
  public void overrideParameters(String name, Collection<Target> targets, String region, Map<String, String> overrides,
      OperationPreferences prefs, String operationId) {
    List<software.amazon.awssdk.services.cloudformation.model.Parameter> params = overrides.entrySet().stream()
        .map(e -> software.amazon.awssdk.services.cloudformation.model.Parameter.builder().parameterKey(e.getKey())
            .parameterValue(e.getValue()).build()).toList();
    List<String> accounts = targets.stream().map(Target::accountId).distinct().toList();
    List<String> ous = targets.stream().map(Target::organizationalUnitId).distinct().toList();
    try {
      // one account of an OU: the OU, narrowed to the account (service-managed sets address OUs)
      cfn.get().updateStackInstances(r -> r.stackSetName(name).callAs(callAs).operationId(operationId)
          .deploymentTargets(t -> t.organizationalUnitIds(ous).accounts(accounts)
              .accountFilterType(software.amazon.awssdk.services.cloudformation.model.AccountFilterType.INTERSECTION))
          .regions(region).parameterOverrides(params).operationPreferences(preferences(prefs)));
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation UpdateStackInstances", e);
    }
  }

  @Override
  public void createInstances(String name, Collection<Target> targets, String region,
      OperationPreferences prefs, String operationId) {
    try {
      cfn.get().createStackInstances(r -> r.stackSetName(name).callAs(callAs)
          .deploymentTargets(targets(targets)).regions(region).operationId(operationId)
          .operationPreferences(preferences(prefs)));
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation CreateStackInstances", e);
    }
  }

  @Override
  public void deleteInstances(String name, Collection<Target> targets, String region,
      boolean retainStacks, OperationPreferences prefs, String operationId) {
    try {
      cfn.get().deleteStackInstances(r -> r.stackSetName(name).callAs(callAs)
          .deploymentTargets(targets(targets)).regions(region).retainStacks(retainStacks)
          .operationId(operationId).operationPreferences(preferences(prefs)));
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation DeleteStackInstances", e);
    }
  }

  @Override
  public List<InstanceView> instances(String name) {
    try {
      List<InstanceView> out = new ArrayList<>();
      cfn.get().listStackInstancesPaginator(r -> r.stackSetName(name).callAs(callAs)).stream()
          .flatMap(p -> p.summaries().stream())
          .forEach(s -> out.add(new InstanceView(s.account(), s.region(), s.organizationalUnitId(),
              s.statusAsString(),
              s.stackInstanceStatus() == null ? null : s.stackInstanceStatus().detailedStatusAsString(),
              s.statusReason(), s.driftStatusAsString(), s.lastOperationId())));
      return out;
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation ListStackInstances", e);
    }
  }

  @Override
  public void detectDrift(String name, OperationPreferences prefs, String operationId) {
    try {
      cfn.get().detectStackSetDrift(r -> r.stackSetName(name).callAs(callAs).operationId(operationId)
          .operationPreferences(preferences(prefs)));
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation DetectStackSetDrift", e);
    }
  }

  @Override
  public void stop(String name, String operationId) {
    try {
      cfn.get().stopStackSetOperation(r -> r.stackSetName(name).operationId(operationId).callAs(callAs));
    } catch (InvalidOperationException e) {
      // it ended meanwhile: nothing to stop
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation StopStackSetOperation", e);
    }
  }

  @Override
  public Optional<OperationView> operation(String name, String operationId) {
    try {
      StackSetOperation op = cfn.get().describeStackSetOperation(r -> r.stackSetName(name)
          .operationId(operationId).callAs(callAs)).stackSetOperation();
      return Optional.of(new OperationView(op.operationId(), op.actionAsString(),
          op.statusAsString(), op.creationTimestamp(), op.endTimestamp(), op.statusReason()));
    } catch (OperationNotFoundException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation DescribeStackSetOperation", e);
    }
  }

  @Override
  public List<ResultView> results(String name, String operationId) {
    try {
      List<ResultView> out = new ArrayList<>();
      cfn.get().listStackSetOperationResultsPaginator(r -> r.stackSetName(name)
          .operationId(operationId).callAs(callAs)).stream().flatMap(p -> p.summaries().stream())
          .forEach(s -> out.add(new ResultView(s.account(), s.region(), s.statusAsString(),
              s.statusReason())));
      return out;
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation ListStackSetOperationResults", e);
    }
  }

  @Override
  public void delete(String name) {
    try {
      cfn.get().deleteStackSet(r -> r.stackSetName(name).callAs(callAs));
    } catch (StackSetNotFoundException e) {
      // already gone: deleting what does not exist succeeds
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation DeleteStackSet", e);
    }
  }

  private static DeploymentTargets targets(Collection<Target> targets) {
    TreeSet<String> ous = new TreeSet<>();
    TreeSet<String> accounts = new TreeSet<>();
    for (Target t : targets) {
      ous.add(t.organizationalUnitId());
      accounts.add(t.accountId());
    }
    return DeploymentTargets.builder().organizationalUnitIds(ous).accounts(accounts)
        .accountFilterType(AccountFilterType.INTERSECTION).build();
  }

  private static StackSetOperationPreferences preferences(OperationPreferences p) {
    return StackSetOperationPreferences.builder()
        .maxConcurrentPercentage(p.maxConcurrentPercentage())
        .failureTolerancePercentage(p.failureTolerancePercentage())
        .regionConcurrencyType(p.regionsInParallel() ? RegionConcurrencyType.PARALLEL
            : RegionConcurrencyType.SEQUENTIAL)
        .concurrencyMode(software.amazon.awssdk.services.cloudformation.model.ConcurrencyMode.SOFT_FAILURE_TOLERANCE)
        .build();
  }
}
