package io.stageboundary.testenv;

import static io.stageboundary.testenv.StackSetTestSupport.await;
import static io.stageboundary.testenv.StackSetTestSupport.policyTemplate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.account.AccountClient;
import software.amazon.awssdk.services.account.model.AccessDeniedException;
import software.amazon.awssdk.services.account.model.RegionOptStatus;
import software.amazon.awssdk.services.account.model.ValidationException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.PermissionModels;
import software.amazon.awssdk.services.cloudformation.model.StackInstanceSummary;

/**
 * Opt-in regions per account, as the Account Management API and AWS's regional endpoints behave
 * (manage-acct-regions.html, API_GetRegionOptStatus, API_EnableRegion, stacksets-opt-in-regions.html):
 * regions from before March 2019 are ENABLED_BY_DEFAULT, later ones DISABLED until enabled (through
 * ENABLING); the management account reads a member's regions once trusted access is on, a member
 * cannot read another's; a regional call into a disabled region is refused as invalid credentials;
 * a StackSet instance there fails while the rest of the operation succeeds.
 */
@PeersExtension.WithPeers
class EmulatorRegionContractTest {
  private static final String OPT_IN = "ap-east-1";
  private final AwsClients aws;
  private final SeededOrganization org;
  private final EmulatorAdmin admin;

  EmulatorRegionContractTest(AwsClients aws, SeededOrganization org, EmulatorAdmin admin) {
    this.aws = aws;
    this.org = org;
    this.admin = admin;
  }

  private static RegionOptStatus status(AccountClient account, String accountId, String region) {
    return account.getRegionOptStatus(r -> r.accountId(accountId).regionName(region)).regionOptStatus();
  }

  @Test
  void optInRegionsAreOffUntilEnabledAndOnlyTheManagementAccountReadsAMembers() {
    String member = org.account("dev-payments");
    try (AccountClient account = aws.account()) {   // the management account
      assertThat(status(account, member, "us-east-1")).isEqualTo(RegionOptStatus.ENABLED_BY_DEFAULT);
      assertThat(status(account, member, OPT_IN)).isEqualTo(RegionOptStatus.DISABLED);
      assertThatThrownBy(() -> account.disableRegion(r -> r.accountId(member).regionName("us-east-1")))
          .isInstanceOf(ValidationException.class);

      account.enableRegion(r -> r.accountId(member).regionName(OPT_IN));
      assertThat(status(account, member, OPT_IN)).as("AWS enables a region over minutes").isEqualTo(RegionOptStatus.ENABLING);
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> status(account, member, OPT_IN) == RegionOptStatus.ENABLED);
      assertThat(account.listRegions(r -> r.accountId(member).regionOptStatusContains(RegionOptStatus.ENABLED))
          .regions()).extracting(region -> region.regionName()).containsExactly(OPT_IN);
      assertThat(status(account, org.account("dev-search"), OPT_IN)).as("per account").isEqualTo(RegionOptStatus.DISABLED);
    }
    try (AccountClient fromMember = aws.inAccount(member).account()) {
      assertThat(fromMember.getRegionOptStatus(r -> r.regionName(OPT_IN)).regionOptStatus())
          .as("an account reads its own").isEqualTo(RegionOptStatus.ENABLED);
      assertThatThrownBy(() -> status(fromMember, org.account("dev-search"), OPT_IN))
          .as("a member cannot read another's").isInstanceOf(AccessDeniedException.class);
    }
    admin.setRegionEnabled(member, OPT_IN, false);
  }

  @Test
  void aCallIntoARegionNotEnabledIsRefusedAndAStackSetInstanceThereFails() {
    String off = org.account("dev-search");
    String on = org.account("dev-data");
    admin.setRegionEnabled(on, OPT_IN, true);
    try (CloudFormationClient cfn = aws.inAccount(off).cloudFormation(OPT_IN)) {
      assertThatThrownBy(cfn::listStacks).isInstanceOfSatisfying(AwsServiceException.class, e -> {
        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException");
      });
    }
    try (CloudFormationClient cfn = aws.inAccount(on).cloudFormation(OPT_IN)) {
      assertThat(cfn.listStacks().stackSummaries()).as("enabled there: answered").isEmpty();
    }

    admin.setOperationTiming(0.2, 0);
    try (CloudFormationClient cfn = aws.assumeRole(org.operatorRoleArn()).cloudFormation()) {
      String ss = "ss-regions";
      cfn.createStackSet(r -> r.stackSetName(ss).callAs(CallAs.DELEGATED_ADMIN)
          .permissionModel(PermissionModels.SERVICE_MANAGED).autoDeployment(a -> a.enabled(false))
          .capabilities(Capability.CAPABILITY_NAMED_IAM).templateBody(policyTemplate("boundary-r",
              "[{\"Sid\":\"AllowAll\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]")));
      String op = cfn.createStackInstances(r -> r.stackSetName(ss).callAs(CallAs.DELEGATED_ADMIN)
          .deploymentTargets(t -> t.organizationalUnitIds(org.ou("dev")).accounts(off, on)
              .accountFilterType("INTERSECTION")).regions(OPT_IN)
          .operationPreferences(p -> p.failureTolerancePercentage(100).maxConcurrentPercentage(100))).operationId();
      await(cfn, ss, op, CallAs.DELEGATED_ADMIN);
      var byAccount = cfn.listStackInstances(r -> r.stackSetName(ss).callAs(CallAs.DELEGATED_ADMIN)).summaries()
          .stream().collect(java.util.stream.Collectors.toMap(StackInstanceSummary::account, i -> i));
      assertThat(byAccount.get(on).statusAsString()).isEqualTo("CURRENT");
      assertThat(byAccount.get(off).statusAsString()).isEqualTo("OUTDATED");
      assertThat(byAccount.get(off).stackInstanceStatus().detailedStatusAsString()).isEqualTo("FAILED");
      assertThat(byAccount.get(off).statusReason()).contains("Region " + OPT_IN + " is not enabled");
    } finally {
      admin.setRegionEnabled(on, OPT_IN, false);
    }
  }
}
