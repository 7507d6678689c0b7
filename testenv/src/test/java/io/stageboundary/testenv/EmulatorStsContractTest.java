package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * sts:AssumeRole as STS documents it (API_AssumeRole.html, Errors): only into a role that exists
 * and whose trust policy allows the caller; otherwise AccessDenied. moto let every call through.
 */
@PeersExtension.WithPeers
class EmulatorStsContractTest {
  private final AwsClients aws;
  private final SeededOrganization org;

  EmulatorStsContractTest(AwsClients aws, SeededOrganization org) {
    this.aws = aws;
    this.org = org;
  }

  private static String trust(String principal) {
    return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + principal
        + "\"},\"Action\":\"sts:AssumeRole\"}]}";
  }

  private static void refused(AwsClients caller, String roleArn) {
    try (StsClient sts = caller.sts()) {
      assertThatThrownBy(() -> sts.assumeRole(r -> r.roleArn(roleArn).roleSessionName("contract")))
          .isInstanceOfSatisfying(StsException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
            assertThat(e.getMessage()).contains("is not authorized to perform: sts:AssumeRole on resource: " + roleArn);
          });
    }
  }

  @Test
  void aRoleThatDoesNotExistCannotBeAssumed() {
    refused(aws, "arn:aws:iam::" + org.account("dev-data") + ":role/no-such-role");
  }

  @Test
  void aRoleWhoseTrustPolicyDoesNotNameTheCallerCannotBeAssumed() {
    String account = org.account("dev-data");
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.createRole(r -> r.roleName("trusts-tooling-only").assumeRolePolicyDocument(
          trust("arn:aws:iam::" + org.delegatedAdminAccountId() + ":root")));
      iam.createRole(r -> r.roleName("trusts-management").assumeRolePolicyDocument(
          trust("arn:aws:iam::" + org.managementAccountId() + ":root")));
    }
    // the plain credentials are the management account's
    refused(aws, "arn:aws:iam::" + account + ":role/trusts-tooling-only");
    String arn = "arn:aws:iam::" + account + ":role/trusts-management";
    try (StsClient sts = aws.sts()) {
      assertThat(sts.assumeRole(r -> r.roleArn(arn).roleSessionName("contract")).assumedRoleUser().arn())
          .isEqualTo("arn:aws:sts::" + account + ":assumed-role/trusts-management/contract");
    }
  }

  @Test
  void aSessionIsTrustedAsItsRolesArn() {
    String account = org.account("dev-search");
    String tooling = org.delegatedAdminAccountId();
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.createRole(r -> r.roleName("trusts-the-operator-role").assumeRolePolicyDocument(trust(org.operatorRoleArn())));
    }
    AwsClients operator = aws.assumeRole(org.operatorRoleArn());
    String arn = "arn:aws:iam::" + account + ":role/trusts-the-operator-role";
    try (StsClient sts = operator.sts()) {
      assertThat(sts.getCallerIdentity().account()).isEqualTo(tooling);
      assertThat(sts.assumeRole(r -> r.roleArn(arn).roleSessionName("contract")).credentials()).isNotNull();
    }
    // another principal of the same account is not that role
    refused(aws.inAccount(tooling), arn);
  }

  @Test
  void aRoleCreatedAfterARefusalCanBeAssumed() {
    String account = org.account("beta-search");
    String arn = "arn:aws:iam::" + account + ":role/created-later";
    AwsClients operator = aws.assumeRole(org.operatorRoleArn());
    refused(operator, arn);
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.createRole(r -> r.roleName("created-later").assumeRolePolicyDocument(trust(org.operatorRoleArn())));
    }
    try (StsClient sts = operator.sts()) {
      assertThat(sts.assumeRole(r -> r.roleArn(arn).roleSessionName("contract")).credentials()).isNotNull();
    }
  }
}