package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.policy.BoundaryDocument;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.iam.model.ContextEntry;
import software.amazon.awssdk.services.iam.model.ContextKeyTypeEnum;
import software.amazon.awssdk.services.iam.model.EvaluationResult;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.SimulatePrincipalPolicyResponse;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;

/** {@link BootstrapStacks} through the SDK, as the member role of one account, in one region. */
public final class SdkBootstrapStacks implements BootstrapStacks {
  private final AwsAccess.MemberAccess member;
  private final String region;

  public SdkBootstrapStacks(AwsAccess.MemberAccess member, String region) {
    this.member = member;
    this.region = region;
  }

  private CloudFormationClient cfn() {
    return member.cloudFormation(region);
  }

  @Override
  public Optional<String> stackOwning(String physicalResourceId) {
    return readOrAbsent("DescribeStackResources", () -> cfn().describeStackResources(r -> r.physicalResourceId(
        physicalResourceId)).stackResources().stream()
        .map(software.amazon.awssdk.services.cloudformation.model.StackResource::stackName).findFirst());
  }

  /** A read whose "does not exist" (CloudFormation's ValidationError) is an answer: empty. */
  private <T> Optional<T> readOrAbsent(String call, Supplier<Optional<T>> read) {
    try {
      return read.get();
    } catch (CloudFormationException e) {
      if (e.awsErrorDetails() != null && "ValidationError".equals(e.awsErrorDetails().errorCode())
          && String.valueOf(e.awsErrorDetails().errorMessage()).contains("does not exist")) {
        return Optional.empty();
      }
      throw SdkFailures.of("CloudFormation " + call + " in " + member.accountId() + "/" + region, e);
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation " + call + " in " + member.accountId() + "/" + region, e);
    }
  }

  @Override
  public Optional<StackView> describe(String stackName) {
    return readOrAbsent("DescribeStacks", () -> {
      Stack s = cfn().describeStacks(r -> r.stackName(stackName)).stacks().get(0);
      Map<String, String> params = new LinkedHashMap<>();
      for (Parameter p : s.parameters()) {
        params.put(p.parameterKey(), p.parameterValue() == null ? "" : p.parameterValue());
      }
      Optional<Integer> version = s.outputs().stream().filter(o -> "BootstrapVersion".equals(o.outputKey()))
          .map(Output::outputValue).map(SdkBootstrapStacks::parse).flatMap(Optional::stream).findFirst();
      return Optional.of(new StackView(s.stackName(), s.stackStatusAsString(), s.stackStatusReason(),
          params, version));
    });
  }

  @Override
  public boolean update(String stackName, Optional<String> templateBody, Map<String, String> parameters) {
    List<Parameter> params = toParameters(parameters);
    try {
      member.wrote();
      cfn().updateStack(r -> {
        r.stackName(stackName).parameters(params).capabilities(Capability.CAPABILITY_NAMED_IAM);
        templateBody.ifPresentOrElse(r::templateBody, () -> r.usePreviousTemplate(true));
      });
      return true;
    } catch (CloudFormationException e) {
      if (e.awsErrorDetails() != null && String.valueOf(e.awsErrorDetails().errorMessage())
          .contains("No updates are to be performed")) {
        return false;
      }
      throw SdkFailures.of("CloudFormation UpdateStack in " + member.accountId() + "/" + region, e);
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation UpdateStack in " + member.accountId() + "/" + region, e);
    }
  }

  @Override
  public void create(String stackName, String templateBody, Map<String, String> parameters) {
    try {
      member.wrote();
      cfn().createStack(r -> r.stackName(stackName).templateBody(templateBody)
          .parameters(toParameters(parameters)).capabilities(Capability.CAPABILITY_NAMED_IAM));
    } catch (SdkException e) {
      throw SdkFailures.of("CloudFormation CreateStack in " + member.accountId() + "/" + region, e);
    }
  }

  @Override
  public Optional<String> roleBoundary(String roleName) {
    try {
      Role role = member.iam().getRole(r -> r.roleName(roleName)).role();
      return Optional.of(role.permissionsBoundary() == null ? ""
          : role.permissionsBoundary().permissionsBoundaryArn());
    } catch (NoSuchEntityException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw SdkFailures.of("IAM GetRole in " + member.accountId(), e);
    }
  }

  @Override
  public Optional<String> recentRoleBoundary(String roleName, Duration maxAge) {
    try {
      Optional<IamDetails> details = member.details(null, maxAge);
      return details.isPresent() ? details.get().roleBoundary(roleName) : roleBoundary(roleName);
    } catch (SdkException e) {
      throw SdkFailures.of("IAM GetAccountAuthorizationDetails in " + member.accountId(), e);
    }
  }

  @Override
  public Optional<String> recentRoleDigest(String roleName, Duration maxAge) {
    try {
      return member.details(null, maxAge).flatMap(d -> d.roleDigest(roleName));
    } catch (SdkException e) {
      throw SdkFailures.of("IAM GetAccountAuthorizationDetails in " + member.accountId(), e);
    }
  }

  @Override
  public void putRoleBoundary(String roleName, String policyArn) {
    try {
      member.wrote();
      member.iam().putRolePermissionsBoundary(r -> r.roleName(roleName).permissionsBoundary(policyArn));
    } catch (SdkException e) {
      throw SdkFailures.of("IAM PutRolePermissionsBoundary in " + member.accountId(), e);
    }
  }

  @Override
  public boolean managedPolicyExists(String policyArn) {
    try {
      member.iam().getPolicy(r -> r.policyArn(policyArn));
      return true;
    } catch (NoSuchEntityException e) {
      return false;
    } catch (SdkException e) {
      throw SdkFailures.of("IAM GetPolicy in " + member.accountId(), e);
    }
  }

  @Override
  public List<Simulated> simulate(String roleName, List<String> actions, List<String> resources,
      Map<String, List<String>> context) {
    String arn = "arn:" + BoundaryDocument.partitionOf(region) + ":iam::"
        + member.accountId() + ":role/" + roleName;
    // What a real request by the role carries: SCP conditions on the principal see it
    Map<String, List<String>> request = new LinkedHashMap<>(context);
    request.putIfAbsent("aws:PrincipalArn", List.of(arn));
    request.putIfAbsent("aws:PrincipalAccount", List.of(member.accountId()));
    List<ContextEntry> entries = new ArrayList<>();
    request.forEach((k, v) -> entries.add(ContextEntry.builder().contextKeyName(k).contextKeyValues(v)
        .contextKeyType(v.size() == 1 ? ContextKeyTypeEnum.STRING : ContextKeyTypeEnum.STRING_LIST).build()));
    List<Simulated> out = new ArrayList<>();
    try {
      String marker = null;
      do {
        String from = marker;
        SimulatePrincipalPolicyResponse r = member.iam().simulatePrincipalPolicy(q -> q.policySourceArn(arn)
            .actionNames(actions).resourceArns(resources).contextEntries(entries).marker(from));
        for (EvaluationResult e : r.evaluationResults()) {
          Decision d = switch (e.evalDecision()) {
            case ALLOWED -> Decision.ALLOWED;
            case EXPLICIT_DENY -> Decision.EXPLICIT_DENY;
            default -> Decision.IMPLICIT_DENY;
          };
          out.add(new Simulated(e.evalActionName(), e.evalResourceName(), d,
              e.permissionsBoundaryDecisionDetail() == null ? null
                  : e.permissionsBoundaryDecisionDetail().allowedByPermissionsBoundary(),
              e.matchedStatements().stream().map(m -> m.sourcePolicyId()).distinct().toList(),
              e.organizationsDecisionDetail() == null ? null : e.organizationsDecisionDetail().allowedByOrganizations()));
        }
        marker = Boolean.TRUE.equals(r.isTruncated()) ? r.marker() : null;
      } while (marker != null);
      return out;
    } catch (SdkException e) {
      throw SdkFailures.of("IAM SimulatePrincipalPolicy in " + member.accountId(), e);
    }
  }

  @Override
  public Optional<Integer> bootstrapVersion(String qualifier) {
    try {
      return parse(member.ssm(region).getParameter(r -> r.name("/cdk-bootstrap/" + qualifier + "/version"))
          .parameter().value());
    } catch (ParameterNotFoundException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw SdkFailures.of("SSM GetParameter in " + member.accountId() + "/" + region, e);
    }
  }

  private static List<Parameter> toParameters(Map<String, String> parameters) {
    List<Parameter> out = new ArrayList<>();
    parameters.forEach((k, v) -> out.add(v == null
        ? Parameter.builder().parameterKey(k).usePreviousValue(true).build()
        : Parameter.builder().parameterKey(k).parameterValue(v).build()));
    return out;
  }

  private static Optional<Integer> parse(String s) {
    try {
      return Optional.of(Integer.parseInt(s.trim()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
