package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.CdkCli;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * A stage's CDK bootstrap profile: trusted pipeline accounts and execution policies, set as the
 * real `cdk bootstrap --trust … --cloudformation-execution-policies …` sets them, checked before
 * the update, kept when unset, and drift when changed out of band.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootstrapProfileTest {
  private static final String REGION = "us-east-1";
  private static final String ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static AwsClients aws;
  private static CdkCli cdk;
  private static EmulatorAdmin emulator;
  private static String pipeline;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    aws = peers.awsClients();
    cdk = peers.cdk();
    emulator = peers.emulator();
    pipeline = org.delegatedAdminAccountId();
    h = OperatorHarness.startWithBootstrapped(peers, REGION, "prod-payments", "prod-search", "beta-payments",
        "beta-search", "dev-payments");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String stage(String name, String accounts, String bootstrap, String more) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: %s}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-%s}
          targets: {accounts: [%s], regions: [us-east-1]}
          bootstrap: %s
        %s
        """.formatted(name, name, accounts, bootstrap, more.indent(2).stripTrailing());
  }

  private static Map<String, String> parameters(String account) {
    return h.bootstrapParameters(account, REGION);
  }

  private static RegionBootstrap report(String stage, String account) {
    StageAccount a = h.client().resources(StageAccount.class).withName(stage + "." + account).get();
    return a == null || a.getStatus() == null || a.getStatus().bootstrap() == null ? null : a.getStatus().bootstrap().get(0);
  }

  @Test
  @Order(1)
  void theOperatorSetsTheSameParametersAsCdkBootstrapWithTrustAndExecutionPolicies() {
    String operated = org.account("prod-payments");
    String twin = org.account("prod-search");
    String profile = "{trustedAccounts: [\"%s\"], trustedAccountsForLookup: [\"%s\"], executionPolicies: [%s]}"
        .formatted(pipeline, pipeline, ADMIN);
    h.apply(stage("pipeline", "\"" + operated + "\"", profile, ""));
    h.awaitReady("pipeline");
    try (IamClient iam = aws.inAccount(twin).iam()) {
      iam.createPolicy(r -> r.policyName("developer-policy-pipeline").policyDocument(
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
    }
    cdk.bootstrap(twin, REGION, "--trust", pipeline, "--trust-for-lookup", pipeline,
        "--cloudformation-execution-policies", ADMIN, "--custom-permissions-boundary", "developer-policy-pipeline").orThrow();
    assertThat(parameters(operated)).isEqualTo(parameters(twin))
        .containsEntry("TrustedAccounts", pipeline).containsEntry("CloudFormationExecutionPolicies", ADMIN);
    RegionBootstrap r = report("pipeline", operated);
    assertThat(r.trustedAccounts()).containsExactly(pipeline);
    assertThat(r.trustedAccountsForLookup()).containsExactly(pipeline);
    assertThat(r.executionPolicies()).containsExactly(ADMIN);
  }

  @Test
  @Order(2)
  void unsetFieldsKeepWhatEachStackHad() {
    String account = org.account("beta-payments");
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION)) {
      cfn.updateStack(r -> r.stackName("CDKToolkit").usePreviousTemplate(true).capabilities(Capability.CAPABILITY_NAMED_IAM)
          .parameters(Parameter.builder().parameterKey("TrustedAccounts").parameterValue(pipeline).build(),
              Parameter.builder().parameterKey("CloudFormationExecutionPolicies")
                  .parameterValue("arn:aws:iam::aws:policy/PowerUserAccess").build()));
    }
    h.apply(stage("keeps", "\"" + account + "\"", "{}", ""));
    h.awaitReady("keeps");
    assertThat(parameters(account)).containsEntry("InputPermissionsBoundary", "developer-policy-keeps")
        .containsEntry("TrustedAccounts", pipeline)
        .containsEntry("CloudFormationExecutionPolicies", "arn:aws:iam::aws:policy/PowerUserAccess");
  }

  @Test
  @Order(3)
  void anAccountWithoutTheCustomerManagedPolicyIsReportedAndLeftAlone() {
    String with = org.account("beta-search");
    String without = org.account("dev-payments");
    try (IamClient iam = aws.inAccount(with).iam()) {
      iam.createPolicy(r -> r.policyName("cdk-execution-narrow").policyDocument(
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"cloudformation:*\",\"Resource\":\"*\"}]}"));
    }
    emulator.clearCalls();
    h.apply(stage("narrow", "\"" + with + "\", \"" + without + "\"",
        "{trustedAccounts: [\"" + pipeline + "\"], executionPolicies: [\"arn:aws:iam::${AWS::AccountId}:policy/cdk-execution-narrow\"]}",
        ""));
    await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
      assertThat(report("narrow", with)).isNotNull().extracting(RegionBootstrap::state).isEqualTo(BootstrapState.CURRENT);
      RegionBootstrap missing = report("narrow", without);
      assertThat(missing).isNotNull();
      assertThat(missing.state()).isEqualTo(BootstrapState.FAILED);
      assertThat(missing.message()).contains("arn:aws:iam::" + without + ":policy/cdk-execution-narrow")
          .contains("does not exist");
    });
    assertThat(parameters(with)).containsEntry("CloudFormationExecutionPolicies",
        "arn:aws:iam::" + with + ":policy/cdk-execution-narrow");
    assertThat(h.stackWrites(without)).as("not half updated").isZero();
    assertThat(parameters(without)).containsEntry("InputPermissionsBoundary", "").containsEntry("TrustedAccounts", "");
    h.client().resources(Stage.class).withName("narrow").delete();
  }

  @Test
  @Order(4)
  void anOutOfBandChangeIsDriftNamingTheParameterAndRepairedUnderReconcile() {
    String account = org.account("prod-payments");
    String yaml = stage("pipeline", "\"" + account + "\"", "{trustedAccounts: [\"%s\"], trustedAccountsForLookup: [\"%s\"], executionPolicies: [%s]}"
        .formatted(pipeline, pipeline, ADMIN), "driftCheckInterval: 2s\ndriftRemediation: %s");
    h.apply(yaml.formatted("Report"));
    h.awaitReady("pipeline");
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION)) {
      cfn.updateStack(r -> r.stackName("CDKToolkit").usePreviousTemplate(true).capabilities(Capability.CAPABILITY_NAMED_IAM)
          .parameters(Parameter.builder().parameterKey("TrustedAccounts").parameterValue("").build(),
              Parameter.builder().parameterKey("InputPermissionsBoundary").usePreviousValue(true).build(),
              Parameter.builder().parameterKey("CloudFormationExecutionPolicies").usePreviousValue(true).build(),
              Parameter.builder().parameterKey("TrustedAccountsForLookup").usePreviousValue(true).build()));
    }
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      RegionBootstrap r = report("pipeline", account);
      assertThat(r.driftReason()).isEqualTo("ParameterChanged");
      assertThat(r.message()).contains("TrustedAccounts is ''").contains("the stage sets '" + pipeline + "'");
    });
    assertThat(parameters(account)).containsEntry("TrustedAccounts", "");
    h.apply(yaml.formatted("Reconcile"));
    await().atMost(Duration.ofSeconds(20)).until(() -> pipeline.equals(parameters(account).get("TrustedAccounts")));
    h.awaitReady("pipeline");
  }

  @Test
  @Order(5)
  void aDeletedStackComesBackWithTheWholeProfileInOneWrite() {
    String account = org.account("prod-payments");
    String narrow = "arn:aws:iam::aws:policy/PowerUserAccess";
    h.apply(stage("pipeline", "\"" + account + "\"", "{trustedAccounts: [\"%s\"], trustedAccountsForLookup: [\"%s\"], executionPolicies: [%s]}"
        .formatted(pipeline, pipeline, narrow), "driftCheckInterval: 2s\ndriftRemediation: Reconcile"));
    await().atMost(Duration.ofSeconds(30)).until(() -> narrow.equals(parameters(account).get("CloudFormationExecutionPolicies")));
    h.awaitReady("pipeline");
    emulator.clearCalls();
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION);
        var s3 = aws.inAccount(account).s3(REGION)) {
      cfn.deleteStack(r -> r.stackName("CDKToolkit"));
      // the staging bucket outlives the stack (DeletionPolicy Retain): whoever deletes the stack removes it too
      s3.deleteBucket(r -> r.bucket("cdk-hnb659fds-assets-" + account + "-" + REGION));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> h.stackWrites(account) > 0 && stackSettled(account));
    // read at once, before any later pass could have corrected a create that left something out
    assertThat(stackStatus(account)).isEqualTo("CREATE_COMPLETE");
    assertThat(parameters(account)).containsEntry("InputPermissionsBoundary", "developer-policy-pipeline")
        .containsEntry("TrustedAccounts", pipeline).containsEntry("TrustedAccountsForLookup", pipeline)
        .containsEntry("CloudFormationExecutionPolicies", narrow);
    try (IamClient iam = aws.inAccount(account).iam()) {
      for (String role : List.of("deploy", "lookup")) {
        String trust = java.net.URLDecoder.decode(iam.getRole(r -> r.roleName("cdk-hnb659fds-" + role + "-role-" + account
            + "-" + REGION)).role().assumeRolePolicyDocument(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(trust).as("the %s role trusts the pipeline account", role).contains(pipeline);
      }
      String exec = "arn:aws:iam::" + account + ":role/cdk-hnb659fds-cfn-exec-role-" + account + "-" + REGION;
      assertThat(iam.getRole(r -> r.roleName("cdk-hnb659fds-cfn-exec-role-" + account + "-" + REGION)).role()
          .permissionsBoundary().permissionsBoundaryArn()).endsWith(":policy/developer-policy-pipeline");
      // PowerUserAccess does not allow listing users; the template's default (AdministratorAccess) would
      assertThat(iam.simulatePrincipalPolicy(r -> r.policySourceArn(exec).actionNames("iam:ListUsers"))
          .evaluationResults().get(0).evalDecisionAsString()).isEqualTo("implicitDeny");
    }
    h.awaitReady("pipeline");
    assertThat(h.stackWrites(account)).as("the create was the only write: nothing was left to correct").isEqualTo(1);
  }

  private static String stackStatus(String account) {
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION)) {
      return cfn.describeStacks(r -> r.stackName("CDKToolkit")).stacks().get(0).stackStatusAsString();
    } catch (software.amazon.awssdk.services.cloudformation.model.CloudFormationException e) {
      return null;
    }
  }

  private static boolean stackSettled(String account) {
    String status = stackStatus(account);
    return status != null && !status.endsWith("_IN_PROGRESS");
  }

  @Test
  @Order(6)
  void deletingWithDeleteClearsTheBoundaryButLeavesTheProfileAsSet() {
    String account = org.account("prod-payments");
    h.apply(stage("pipeline", "\"" + account + "\"", "{trustedAccounts: [\"%s\"], trustedAccountsForLookup: [\"%s\"], executionPolicies: [%s]}"
        .formatted(pipeline, pipeline, ADMIN), "deletionPolicy: Delete"));
    h.awaitReady("pipeline");
    h.client().resources(Stage.class).withName("pipeline").delete();
    await().atMost(Duration.ofSeconds(40)).until(() -> h.stage("pipeline") == null);
    assertThat(parameters(account)).containsEntry("InputPermissionsBoundary", "")
        .as("the operator cannot know what trust there should be without it: it stays as set")
        .containsEntry("TrustedAccounts", pipeline).containsEntry("CloudFormationExecutionPolicies", ADMIN);
  }
}
