package io.stageboundary.operator.api.v1alpha1.organization;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import java.time.Duration;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record AwsOrganizationSpec(
    @Required
    @Pattern(ApiGroup.REGION)
    @JsonPropertyDescription("Home region for Organizations and StackSets calls, e.g. us-east-1. The boundary policy (IAM is global) is deployed once per account, in this region.")
    String region,

    @Default("DELEGATED_ADMIN")
    @JsonPropertyDescription("DELEGATED_ADMIN when the operator's identity is a registered StackSets delegated administrator (recommended), SELF when it is the management account.")
    CallAs callAs,

    @JsonPropertyDescription("Where the operator's AWS credentials come from. Default: the SDK default chain (EKS Pod Identity, IRSA, environment).")
    Credentials credentials,

    @Default("stage-boundary-member")
    @Pattern("^[\\w+=,.@-]{1,64}$")
    @JsonPropertyDescription("Name of the role the operator assumes in each member account to bootstrap and verify it.")
    String memberRoleName,

    @JsonPropertyDescription("Per-service endpoint overrides, for VPC interface endpoints or an emulator. Unset services use the SDK's default endpoint.")
    Endpoints endpoints,

    @Default("30m")
    @Pattern("^([0-9]+(ms|s|m|h))+$")
    @JsonPropertyDescription("How often the organisation's OUs and accounts are read again (default 30m). New, moved and closed accounts in targeted OUs, and regions an account enables, are found within this interval; an account new to the organisation in an OU made since under an OU that had no child OUs, within twice the interval (a Stage naming an OU the operator does not know yet reads it at once). Every other read walks the whole tree, two Organizations calls per OU and one per 20 accounts (about 620 for 3,000 accounts in 300 OUs); the reads between ask only the OUs that have child OUs for theirs (about 310), so a shorter interval costs more calls at rest.")
    String refreshInterval,

    @JsonPropertyDescription("AWS quotas of this organisation that can differ from AWS's documented defaults (docs/limits.md gives each with its source). Set one only when the organisation's Service Quotas page says so: the operator refuses what would pass these limits before writing anything.")
    Quotas quotas) {

  /** Organizations quotas the operator plans with, each defaulting to AWS's documented value. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Quotas(
      @Default("10240")
      @io.fabric8.generator.annotation.Min(1024)
      @io.fabric8.generator.annotation.Max(1048576)
      @JsonPropertyDescription("Maximum size of a service control policy, in characters (AWS's default 10,240, raised from 5,120 in 2026; Organizations quotas page).")
      Integer serviceControlPolicyCharacters,

      @Default("10")
      @io.fabric8.generator.annotation.Min(1)
      @io.fabric8.generator.annotation.Max(100)
      @JsonPropertyDescription("Maximum number of service control policies attached directly to one root, OU or account (AWS's default 10, raised from 5 in 2026; Organizations quotas page).")
      Integer serviceControlPoliciesPerTarget) {

    public static final int DEFAULT_SCP_CHARACTERS = 10_240;
    public static final int DEFAULT_SCPS_PER_TARGET = 10;

    public int scpCharacters() {
      return serviceControlPolicyCharacters == null ? DEFAULT_SCP_CHARACTERS : serviceControlPolicyCharacters;
    }

    public int scpsPerTarget() {
      return serviceControlPoliciesPerTarget == null ? DEFAULT_SCPS_PER_TARGET : serviceControlPoliciesPerTarget;
    }
  }

  public Quotas quotasOrDefault() {
    return quotas == null ? new Quotas(null, null) : quotas;
  }

  public enum CallAs { SELF, DELEGATED_ADMIN }

  public CallAs callAsOrDefault() {
    return callAs == null ? CallAs.DELEGATED_ADMIN : callAs;
  }

  public String memberRoleNameOrDefault() {
    return memberRoleName == null ? "stage-boundary-member" : memberRoleName;
  }

  public Credentials credentialsOrDefault() {
    return credentials == null ? new Credentials(Credentials.Source.Default, null, null, null) : credentials;
  }

  public Endpoints endpointsOrEmpty() {
    return endpoints == null ? new Endpoints(null, null, null, null, null) : endpoints;
  }

  public Duration refreshIntervalOrDefault() {
    return refreshInterval == null ? Duration.ofMinutes(30) : Durations.parse(refreshInterval);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.source != 'Secret' || has(self.secretRef)", message = "credentials.secretRef is required when credentials.source is Secret")
  @ValidationRule(value = "self.source == 'Secret' || !has(self.secretRef)", message = "credentials.secretRef is only used when credentials.source is Secret")
  public record Credentials(
      @Default("Default")
      @JsonPropertyDescription("Default: the AWS SDK default chain (EKS Pod Identity, IRSA web identity, environment). Secret: static keys from a Secret (for development only).")
      Source source,

      @Pattern("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$")
      @JsonPropertyDescription("Optional role to assume first, e.g. the operator role in the delegated administrator account.")
      String roleArn,

      @Size(min = 2, max = 1224)
      @JsonPropertyDescription("External id to pass when assuming roleArn, if its trust policy requires one.")
      String externalId,

      @JsonPropertyDescription("The Secret holding accessKeyId, secretAccessKey and optionally sessionToken, when source is Secret.")
      SecretRef secretRef) {

    public enum Source { Default, Secret }

    public Source sourceOrDefault() {
      return source == null ? Source.Default : source;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SecretRef(
      @Required @JsonPropertyDescription("Namespace of the Secret.") String namespace,
      @Required @JsonPropertyDescription("Name of the Secret.") String name) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Endpoints(
      @Pattern("^https?://.+") @JsonPropertyDescription("Endpoint URL for AWS Organizations.") String organizations,
      @Pattern("^https?://.+") @JsonPropertyDescription("Endpoint URL for CloudFormation.") String cloudformation,
      @Pattern("^https?://.+") @JsonPropertyDescription("Endpoint URL for STS (regional endpoints are used by default).") String sts,
      @Pattern("^https?://.+") @JsonPropertyDescription("Endpoint URL for IAM.") String iam,
      @Pattern("^https?://.+") @JsonPropertyDescription("Endpoint URL for SSM.") String ssm) {}
}
