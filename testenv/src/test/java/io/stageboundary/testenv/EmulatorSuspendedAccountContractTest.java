package io.stageboundary.testenv;

import static io.stageboundary.testenv.StackSetTestSupport.await;
import static io.stageboundary.testenv.StackSetTestSupport.defaultDocument;
import static io.stageboundary.testenv.StackSetTestSupport.policyTemplate;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.PermissionModels;
import software.amazon.awssdk.services.cloudformation.model.StackInstanceSummary;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationStatus;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * StackSets skip suspended accounts (stacksets-orgs-manage-auto-deployment.html): a closed
 * account's instance is not updated, shows SKIPPED_SUSPENDED_ACCOUNT, and does not fail the
 * operation; OU targets add no instance for it. A class of its own: closing an account changes the
 * organisation every other test of a class would share.
 */
@PeersExtension.WithPeers
class EmulatorSuspendedAccountContractTest {
  private static final String ALLOW_ALL =
      "[{\"Sid\":\"ExplicitAllowAll\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]";
  private static final String DENY_CONFIG =
      "[{\"Sid\":\"DenyConfig\",\"Effect\":\"Deny\",\"Action\":\"config:*\",\"Resource\":\"*\"}]";
  private static final CallAs DELEGATED = CallAs.DELEGATED_ADMIN;
  private final AwsClients aws;
  private final SeededOrganization org;
  private final EmulatorAdmin admin;

  EmulatorSuspendedAccountContractTest(AwsClients aws, SeededOrganization org, EmulatorAdmin admin) {
    this.aws = aws;
    this.org = org;
    this.admin = admin;
  }

  private static Map<String, StackInstanceSummary> byAccount(CloudFormationClient cfn, String ss) {
    return cfn.listStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)).summaries().stream()
        .collect(Collectors.toMap(StackInstanceSummary::account, i -> i));
  }

  @Test
  void aSuspendedAccountIsSkippedNotFailedAndGetsNoNewInstance() {
    admin.setOperationTiming(0.2, 0);
    String closed = org.account("dev-data");
    String open = org.account("dev-payments");
    String arn = "arn:aws:iam::" + closed + ":policy/boundary-s";
    try (CloudFormationClient cfn = aws.assumeRole(org.operatorRoleArn()).cloudFormation()) {
      String ss = "ss-suspended";
      cfn.createStackSet(r -> r.stackSetName(ss).callAs(DELEGATED).permissionModel(PermissionModels.SERVICE_MANAGED)
          .autoDeployment(a -> a.enabled(false)).capabilities(Capability.CAPABILITY_NAMED_IAM)
          .templateBody(policyTemplate("boundary-s", ALLOW_ALL)));
      await(cfn, ss, cfn.createStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)
          .deploymentTargets(t -> t.organizationalUnitIds(org.ou("dev"))).regions(AwsEmulator.REGION)).operationId(),
          DELEGATED);
      try (OrganizationsClient orgs = aws.organizations()) {
        orgs.closeAccount(r -> r.accountId(closed));
        assertThat(orgs.describeAccount(r -> r.accountId(closed)).account().statusAsString()).isEqualTo("SUSPENDED");
      }

      String update = cfn.updateStackSet(r -> r.stackSetName(ss).callAs(DELEGATED)
          .templateBody(policyTemplate("boundary-s", DENY_CONFIG))).operationId();
      assertThat(await(cfn, ss, update, DELEGATED).status()).as("a skipped account is no failure")
          .isEqualTo(StackSetOperationStatus.SUCCEEDED);
      Map<String, StackInstanceSummary> instances = byAccount(cfn, ss);
      assertThat(instances.get(closed).stackInstanceStatus().detailedStatusAsString())
          .isEqualTo("SKIPPED_SUSPENDED_ACCOUNT");
      assertThat(instances.get(closed).statusReason()).isEqualTo("SKIPPED_SUSPENDED_ACCOUNT");
      assertThat(instances.get(open).statusAsString()).isEqualTo("CURRENT");
      assertThat(cfn.listStackSetOperationResults(r -> r.stackSetName(ss).callAs(DELEGATED).operationId(update))
          .summaries()).filteredOn(s -> s.account().equals(closed)).singleElement()
          .satisfies(s -> assertThat(s.statusReason()).isEqualTo("SKIPPED_SUSPENDED_ACCOUNT"));
      try (IamClient iam = aws.inAccount(closed).iam()) {
        assertThat(defaultDocument(iam, arn)).as("not updated").contains("ExplicitAllowAll").doesNotContain("DenyConfig");
      }

      // a new OU target adds no instance for a suspended account
      String second = "ss-suspended-later";
      cfn.createStackSet(r -> r.stackSetName(second).callAs(DELEGATED).permissionModel(PermissionModels.SERVICE_MANAGED)
          .autoDeployment(a -> a.enabled(false)).capabilities(Capability.CAPABILITY_NAMED_IAM)
          .templateBody(policyTemplate("boundary-t", ALLOW_ALL)));
      await(cfn, second, cfn.createStackInstances(r -> r.stackSetName(second).callAs(DELEGATED)
          .deploymentTargets(t -> t.organizationalUnitIds(org.ou("dev"))).regions(AwsEmulator.REGION)).operationId(),
          DELEGATED);
      assertThat(byAccount(cfn, second)).containsKey(open).doesNotContainKey(closed);
    }
  }
}
