package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.CdkCli;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * Every kind of drift, introduced out of band with AWS calls (and the real CDK CLI): reported
 * within one check interval with its reason, left alone under driftRemediation Report, repaired
 * once the Stage says Reconcile.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftTest {
  private static final String REGION = "us-east-1";
  private static final Duration WITHIN_AN_INTERVAL = Duration.ofSeconds(20);
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static AwsClients aws;
  private static CdkCli cdk;
  private static String template;

  @BeforeAll
  static void start(Peers peers) throws Exception {
    org = peers.organization();
    aws = peers.awsClients();
    cdk = peers.cdk();
    template = Files.readString(peers.layout().cdkPackageDir().resolve("lib/api/bootstrap/bootstrap-template.yaml"));
    peers.emulator().setOperationTiming(0.2, 0);
    OperatorHarness.bootstrapWithCdk(peers, REGION, "dev-payments", "dev-search");
    h = OperatorHarness.start(peers);
    h.apply(OperatorHarness.read("samples/organization.yaml").replace("refreshInterval: 30m", "refreshInterval: 1s"));
    h.apply(stage("Report"));
    h.awaitReady("watch");
    assertThat(account("dev-payments").getStatus().bootstrapState()).isEqualTo(BootstrapState.CURRENT);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static String stage(String remediation) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: watch}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-watch
            statements:
            - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
          targets:
            organizationalUnits: [ou-sbo1-dev00001]
            regions: [us-east-1]
          driftCheckInterval: 2s
          driftRemediation: %s
        """.formatted(remediation) + stackCheck;
  }

  /**
   * What a stage adds for a test of drift only the stack itself shows: by default a check at rest
   * reads the CDK roles, and the stack once a day or when they changed.
   */
  private static String stackCheck = "";

  private static StageAccount account(String name) {
    return h.client().resources(StageAccount.class).withName("watch." + org.account(name)).get();
  }

  private static String arn(String name) {
    return "arn:aws:iam::" + org.account(name) + ":policy/developer-policy-watch";
  }

  private static IamClient iam(String name) {
    return aws.inAccount(org.account(name)).iam();
  }

  private static String execRole(String name) {
    return "cdk-hnb659fds-cfn-exec-role-" + org.account(name) + "-" + REGION;
  }

  private static Optional<String> roleBoundary(String name) {
    try (IamClient iam = iam(name)) {
      var b = iam.getRole(r -> r.roleName(execRole(name))).role().permissionsBoundary();
      return Optional.ofNullable(b == null ? null : b.permissionsBoundaryArn());
    }
  }

  private static boolean policyMatches(String name) throws Exception {
    Stage s = h.stage("watch");
    BoundaryDocument doc = BoundaryDocument.render("watch", s.getSpec().boundary(), "aws");
    try (IamClient iam = iam(name)) {
      String v = iam.getPolicy(r -> r.policyArn(arn(name))).policy().defaultVersionId();
      return CanonicalPolicy.sameDocument(CanonicalPolicy.parse(iam.getPolicyVersion(r -> r.policyArn(arn(name))
          .versionId(v)).policyVersion().document()), doc.documentFor(org.account(name)));
    } catch (NoSuchEntityException e) {
      return false;
    }
  }

  private static Optional<StageAccountStatus.RegionBootstrap> bootstrap(String name) {
    StageAccount a = account(name);
    return a == null || a.getStatus() == null || a.getStatus().bootstrap() == null ? Optional.empty()
        : a.getStatus().bootstrap().stream().findFirst();
  }

  /** Report, then Reconcile: the drift is seen, left, and then repaired. */
  private static void reportThenRepair(Runnable reported, Runnable untouched, Runnable repaired) {
    await().atMost(WITHIN_AN_INTERVAL).ignoreExceptions().untilAsserted(reported::run);
    Stage s = h.awaitCondition("watch", "InSync", "False", WITHIN_AN_INTERVAL);
    assertThat(OperatorHarness.condition(s, "Ready").orElseThrow().getReason()).isEqualTo("Drifted");
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .untilAsserted(untouched::run);
    h.apply(stage("Reconcile"));
    await().atMost(WITHIN_AN_INTERVAL).ignoreExceptions().untilAsserted(repaired::run);
    h.awaitCondition("watch", "InSync", "True", WITHIN_AN_INTERVAL);
    h.apply(stage("Report"));
    h.awaitReady("watch");
  }

  @Test
  @Order(1)
  void aPolicyEditedOutOfBand() {
    try (IamClient iam = iam("dev-payments")) {
      iam.createPolicyVersion(r -> r.policyArn(arn("dev-payments")).setAsDefault(true).policyDocument(
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
    }
    reportThenRepair(
        () -> assertThat(account("dev-payments").getStatus().boundary())
            .satisfies(b -> {
              assertThat(b.state()).isEqualTo(State.DRIFTED);
              assertThat(b.driftReason()).isEqualTo("PolicyModified");
              assertThat(b.message()).contains("edited outside the operator");
            }),
        () -> assertThat(uncheck(() -> policyMatches("dev-payments"))).isFalse(),
        () -> assertThat(uncheck(() -> policyMatches("dev-payments"))).isTrue());
  }

  @Test
  @Order(2)
  void aPolicyDeletedOutOfBand() {
    try (IamClient iam = iam("dev-data")) {
      iam.deletePolicy(r -> r.policyArn(arn("dev-data")));
    }
    reportThenRepair(
        () -> assertThat(account("dev-data").getStatus().boundary().driftReason()).isEqualTo("PolicyDeleted"),
        () -> assertThat(uncheck(() -> policyMatches("dev-data"))).isFalse(),
        () -> assertThat(uncheck(() -> policyMatches("dev-data"))).isTrue());
  }

  @Test
  @Order(3)
  void theBoundaryRemovedFromTheExecutionRole() {
    try (IamClient iam = iam("dev-search")) {
      iam.deleteRolePermissionsBoundary(r -> r.roleName(execRole("dev-search")));
    }
    reportThenRepair(
        () -> assertThat(bootstrap("dev-search").orElseThrow()).satisfies(b -> {
          assertThat(b.state()).isEqualTo(BootstrapState.DRIFTED);
          assertThat(b.driftReason()).isEqualTo("ExecutionRoleBoundaryRemoved");
        }),
        () -> assertThat(roleBoundary("dev-search")).isEmpty(),
        () -> assertThat(roleBoundary("dev-search")).contains(arn("dev-search")));
  }

  @Test
  @Order(4)
  void theBootstrapParameterClearedByCdkBootstrapWithoutPreviousParameters() {
    cdk.bootstrap(org.account("dev-payments"), REGION, "--no-previous-parameters").orThrow();
    reportThenRepair(
        () -> assertThat(bootstrap("dev-payments").orElseThrow().driftReason()).isEqualTo("ParameterChanged"),
        () -> assertThat(roleBoundary("dev-payments")).isEmpty(),
        () -> assertThat(roleBoundary("dev-payments")).contains(arn("dev-payments")));
  }

  @Test
  @Order(5)
  void theBootstrapStackDowngraded() {
    // a downgrade leaves the roles as they were: only a read of the stack shows it
    stackCheck = "  bootstrap: {stackCheckInterval: 2s}\n";
    h.apply(stage("Report"));
    String account = org.account("dev-search");
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION)) {
      cfn.updateStack(r -> r.stackName("CDKToolkit").templateBody(template.replace("Value: '33'", "Value: '25'"))
          .capabilities(Capability.CAPABILITY_NAMED_IAM)
          .parameters(Parameter.builder().parameterKey("InputPermissionsBoundary").usePreviousValue(true).build()));
    }
    reportThenRepair(
        () -> assertThat(bootstrap("dev-search").orElseThrow().driftReason()).isEqualTo("Downgraded"),
        () -> assertThat(bootstrap("dev-search").orElseThrow().version()).isEqualTo(25),
        () -> assertThat(bootstrap("dev-search").orElseThrow()).satisfies(b -> {
          assertThat(b.state()).isEqualTo(BootstrapState.CURRENT);
          assertThat(b.version()).isEqualTo(33);
        }));
    stackCheck = "";
    h.apply(stage("Report"));
  }

  @Test
  @Order(6)
  void theBootstrapStackDeleted() {
    String account = org.account("dev-payments");
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION);
        var s3 = aws.inAccount(account).s3(REGION)) {
      cfn.deleteStack(r -> r.stackName("CDKToolkit"));
      // the stack keeps its staging bucket (DeletionPolicy Retain); whoever deletes the stack
      // removes it too, or no bootstrap (by the CLI or the operator) can create the stack again
      s3.deleteBucket(r -> r.bucket("cdk-hnb659fds-assets-" + account + "-" + REGION));
    }
    reportThenRepair(
        () -> assertThat(bootstrap("dev-payments").orElseThrow().driftReason()).isEqualTo("StackDeleted"),
        () -> assertThat(bootstrap("dev-payments").orElseThrow().stackStatus()).isNull(),
        () -> assertThat(roleBoundary("dev-payments")).contains(arn("dev-payments")));
  }

  @Test
  @Order(7)
  void anAccountThatLeftTheTargetedOus() {
    String leaver = org.account("dev-search");
    try (OrganizationsClient orgs = aws.organizations()) {
      orgs.moveAccount(r -> r.accountId(leaver).sourceParentId(org.ou("dev")).destinationParentId(org.ou("sandbox")));
    }
    reportThenRepair(
        () -> assertThat(account("dev-search").getStatus().boundary().driftReason()).isEqualTo("LeftTargets"),
        () -> assertThat(instances()).contains(leaver),
        () -> {
          assertThat(instances()).doesNotContain(leaver);
          assertThat(account("dev-search")).isNull();
        });
    // released with deletionPolicy Retain: the policy stays in the account
    try (IamClient iam = iam("dev-search")) {
      iam.getPolicy(r -> r.policyArn(arn("dev-search")));
    }
  }

  @Test
  @Order(8)
  void aNewAccountThatJoinedTheTargetedOus() {
    String joiner = org.account("sandbox-experiments");
    try (OrganizationsClient orgs = aws.organizations()) {
      orgs.moveAccount(r -> r.accountId(joiner).sourceParentId(org.ou("sandbox")).destinationParentId(org.ou("dev")));
    }
    reportThenRepair(
        () -> assertThat(account("sandbox-experiments").getStatus().boundary()).satisfies(b -> {
          assertThat(b.state()).isEqualTo(State.MISSING);
          assertThat(b.driftReason()).isEqualTo("JoinedAfterRollout");
        }),
        () -> assertThat(instances()).doesNotContain(joiner),
        () -> assertThat(uncheck(() -> policyMatches("sandbox-experiments"))).isTrue());
  }

  @Test
  @Order(9)
  void aSuspendedStageReportsDriftButRepairsNothing() {
    h.apply(stage("Reconcile").replace("  driftRemediation:", "  suspend: true\n  driftRemediation:"));
    try (IamClient iam = iam("dev-payments")) {
      iam.deleteRolePermissionsBoundary(r -> r.roleName(execRole("dev-payments")));
    }
    await().atMost(WITHIN_AN_INTERVAL).untilAsserted(() -> assertThat(bootstrap("dev-payments").orElseThrow())
        .satisfies(b -> {
          assertThat(b.state()).isEqualTo(BootstrapState.DRIFTED);
          assertThat(b.message()).contains("spec.suspend is true");
        }));
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(roleBoundary("dev-payments")).isEmpty());
    h.apply(stage("Reconcile"));
    await().atMost(WITHIN_AN_INTERVAL).untilAsserted(() -> assertThat(roleBoundary("dev-payments")).contains(arn("dev-payments")));
  }

  @Test
  @Order(10)
  void stackSetDriftDetectionRunsAndIsReportedInStatus() {
    Stage s = h.stage("watch");
    assertThat(s.getStatus().drift().lastStackSetCheck()).isNotNull();
    assertThat(s.getStatus().drift().stackSetDriftStatus()).isIn("IN_SYNC", "DRIFTED");
    try (CloudFormationClient cfn = aws.assumeRole(org.operatorRoleArn()).cloudFormation()) {
      assertThat(cfn.listStackSetOperations(r -> r.stackSetName("stage-boundary-watch").callAs(CallAs.DELEGATED_ADMIN))
          .summaries()).anySatisfy(op -> assertThat(op.actionAsString()).isEqualTo("DETECT_DRIFT"));
    }
  }

  private static List<String> instances() {
    try (CloudFormationClient cfn = aws.assumeRole(org.operatorRoleArn()).cloudFormation()) {
      return cfn.listStackInstances(r -> r.stackSetName("stage-boundary-watch").callAs(CallAs.DELEGATED_ADMIN))
          .summaries().stream().map(i -> i.account()).toList();
    }
  }

  private interface Check {
    boolean get() throws Exception;
  }

  private static boolean uncheck(Check c) {
    try {
      return c.get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
