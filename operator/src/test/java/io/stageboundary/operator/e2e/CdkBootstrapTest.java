package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.CdkCli;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.nio.file.Files;
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
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * CDK re-bootstrap against bootstrap stacks made the way users have them: by the real CDK CLI
 * from the pinned aws-cdk package, or (for old, newer and foreign stacks) by CreateStack with the
 * official template edited. What the operator sets is compared with what the CLI sets.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CdkBootstrapTest {
  private static final String REGION = "us-east-1";
  private static final String OTHER_REGION = "eu-west-1";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static CdkCli cdk;
  private static AwsClients aws;
  private static String template;

  @BeforeAll
  static void start(Peers peers) throws Exception {
    org = peers.organization();
    aws = peers.awsClients();
    cdk = peers.cdk();
    peers.emulator().setOperationTiming(0.3, 0);
    template = Files.readString(peers.layout().cdkPackageDir()
        .resolve("lib/api/bootstrap/bootstrap-template.yaml"));
    String[] trust = {"--trust", org.delegatedAdminAccountId(), "--cloudformation-execution-policies",
        "arn:aws:iam::aws:policy/AdministratorAccess"};
    OperatorHarness.bootstrapWithCdk(peers, REGION, List.of(org.account("dev-payments"),
        org.account("sandbox-experiments"), org.account("dev-search"), org.account("prod-search")), trust);
    cdk.bootstrap(org.account("dev-payments"), OTHER_REGION, trust).orThrow();
    createStack(org.account("beta-payments"), template.replace("Value: '33'", "Value: '20'"), Map.of());
    createStack(org.account("beta-search"), template.replace("Value: '33'", "Value: '99'"), Map.of());
    createStack(org.account("prod-payments"), template, Map.of("BootstrapVariant", "Acme: hardened bootstrap"));
    h = OperatorHarness.start(peers);
    h.applySample("organization.yaml");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static void createStack(String account, String body, Map<String, String> params) {
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION)) {
      cfn.createStack(r -> r.stackName("CDKToolkit").templateBody(body).capabilities(Capability.CAPABILITY_NAMED_IAM)
          .parameters(params.entrySet().stream().map(e -> Parameter.builder().parameterKey(e.getKey())
              .parameterValue(e.getValue()).build()).toList()));
    }
  }

  private static Map<String, String> parameters(String account, String region) {
    return h.bootstrapParameters(account, region);
  }

  private static String output(String account, String key) {
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION)) {
      return cfn.describeStacks(r -> r.stackName("CDKToolkit")).stacks().get(0).outputs().stream()
          .filter(o -> o.outputKey().equals(key)).map(o -> o.outputValue()).findFirst().orElse(null);
    }
  }

  private static String boundaryOf(String account, String role) {
    try (IamClient iam = aws.inAccount(account).iam()) {
      var b = iam.getRole(r -> r.roleName(role)).role().permissionsBoundary();
      return b == null ? null : b.permissionsBoundaryArn();
    }
  }

  private static String execRole(String account, String region) {
    return "cdk-hnb659fds-cfn-exec-role-" + account + "-" + region;
  }

  private static String stage(String name, List<String> accounts, List<String> regions, String bootstrap, String extra) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: %s}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-%s}
          targets:
            accounts: [%s]
            regions: [%s]
          bootstrap: %s
        %s""".formatted(name, name, accounts.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", ")),
        String.join(", ", regions), bootstrap, extra.indent(2));
  }

  private static RegionBootstrap report(String stage, String account, String region) {
    StageAccount a = h.client().resources(StageAccount.class).withName(stage + "." + account).get();
    return a.getStatus().bootstrap().stream().filter(r -> r.region().equals(region)).findFirst().orElseThrow();
  }

  @Test
  @Order(1)
  void theExecutionRoleCarriesTheBoundaryInEveryRegionAndNothingElseChanges() {
    String account = org.account("dev-payments");
    Map<String, String> before = parameters(account, REGION);
    assertThat(before.get("InputPermissionsBoundary")).isEmpty();
    assertThat(boundaryOf(account, execRole(account, REGION))).isNull();

    h.apply(stage("boot-a", List.of(account), List.of(REGION, OTHER_REGION), "{}", ""));
    h.awaitReady("boot-a");

    String arn = "arn:aws:iam::" + account + ":policy/developer-policy-boot-a";
    for (String region : List.of(REGION, OTHER_REGION)) {
      assertThat(boundaryOf(account, execRole(account, region))).isEqualTo(arn);
      assertThat(parameters(account, region)).containsEntry("InputPermissionsBoundary", "developer-policy-boot-a");
      RegionBootstrap r = report("boot-a", account, region);
      assertThat(r.state()).isEqualTo(BootstrapState.CURRENT);
      assertThat(r.executionRoleBoundary()).isEqualTo(arn);
      assertThat(r.version()).isEqualTo(33);
    }
    Map<String, String> after = parameters(account, REGION);
    before.remove("InputPermissionsBoundary");
    after.remove("InputPermissionsBoundary");
    assertThat(after).isEqualTo(before);
    assertThat(after.get("TrustedAccounts")).isEqualTo(org.delegatedAdminAccountId());
    assertThat(boundaryOf(account, "cdk-hnb659fds-deploy-role-" + account + "-" + REGION)).isNull();
    assertThat(h.stage("boot-a").getStatus().accounts().bootstrapped()).isEqualTo(1);
  }

  @Test
  @Order(2)
  void theOperatorSetsTheSameStackParametersAsTheCdkCli() {
    String twin = org.account("sandbox-experiments");
    try (IamClient iam = aws.inAccount(twin).iam()) {
      iam.createPolicy(r -> r.policyName("developer-policy-boot-a").policyDocument(
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
    }
    cdk.bootstrap(twin, REGION, "--custom-permissions-boundary", "developer-policy-boot-a").orThrow();
    assertThat(parameters(org.account("dev-payments"), REGION)).isEqualTo(parameters(twin, REGION));
    assertThat(boundaryOf(twin, execRole(twin, REGION)))
        .isEqualTo("arn:aws:iam::" + twin + ":policy/developer-policy-boot-a");
  }

  @Test
  @Order(3)
  void applyToAllRolesPutsTheBoundaryOnEveryBootstrapRole() {
    String account = org.account("dev-search");
    h.apply(stage("boot-b", List.of(account), List.of(REGION), "{applyToAllRoles: true}", ""));
    h.awaitReady("boot-b");
    String arn = "arn:aws:iam::" + account + ":policy/developer-policy-boot-b";
    for (String role : List.of("file-publishing-role", "image-publishing-role", "lookup-role", "deploy-role", "cfn-exec-role")) {
      assertThat(boundaryOf(account, "cdk-hnb659fds-" + role + "-" + account + "-" + REGION)).as(role).isEqualTo(arn);
    }
    assertThat(parameters(account, REGION)).containsEntry("ApplyPermissionsBoundaryToAllRoles", "true");
  }

  @Test
  @Order(4)
  void anOldStackIsUpgradedAndANewerOneIsNotDowngraded() {
    String old = org.account("beta-payments");
    String newer = org.account("beta-search");
    h.apply(stage("boot-c", List.of(old, newer), List.of(REGION), "{minimumVersion: 30}", ""));
    h.awaitReady("boot-c");
    assertThat(output(old, "BootstrapVersion")).isEqualTo("33");
    assertThat(output(newer, "BootstrapVersion")).isEqualTo("99");
    for (String account : List.of(old, newer)) {
      assertThat(boundaryOf(account, execRole(account, REGION)))
          .isEqualTo("arn:aws:iam::" + account + ":policy/developer-policy-boot-c");
    }
    assertThat(report("boot-c", old, REGION).version()).isEqualTo(33);
    assertThat(report("boot-c", newer, REGION).version()).isEqualTo(99);
  }

  @Test
  @Order(4)
  void aStackWithoutTheVersionOutputIsReadThroughItsSsmParameter() {
    String account = org.account("prod-eu-payments");
    String noOutput = template.replaceAll("(?m)^  BootstrapVersion:\\n(    .*\\n?)+", "");
    assertThat(noOutput).doesNotContain("  BootstrapVersion:\n").contains("/version");
    createStack(account, noOutput, Map.of());
    assertThat(output(account, "BootstrapVersion")).isNull();
    h.apply(stage("boot-ssm", List.of(account), List.of(REGION), "{}", ""));
    h.awaitReady("boot-ssm");
    assertThat(report("boot-ssm", account, REGION).version()).isEqualTo(33);
    assertThat(boundaryOf(account, execRole(account, REGION)))
        .isEqualTo("arn:aws:iam::" + account + ":policy/developer-policy-boot-ssm");
  }

  @Test
  @Order(5)
  void aForeignVariantIsReportedAndLeftAloneAndAMissingStackIsCreatedOnlyWhenAsked() {
    String foreign = org.account("prod-payments");
    String missing = org.account("dev-data");
    Map<String, String> foreignBefore = parameters(foreign, REGION);
    h.apply(stage("boot-d", List.of(foreign, missing), List.of(REGION), "{}", ""));
    h.awaitCondition("boot-d", "BoundaryDeployed", "True", Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(report("boot-d", foreign, REGION).state()).isEqualTo(BootstrapState.FOREIGN);
      assertThat(report("boot-d", missing, REGION).state()).isEqualTo(BootstrapState.NOT_BOOTSTRAPPED);
    });
    assertThat(report("boot-d", foreign, REGION).message()).contains("Acme: hardened bootstrap")
        .contains("never overwrites another variant");
    var bootstrapped = OperatorHarness.condition(h.stage("boot-d"), "Bootstrapped").orElseThrow();
    assertThat(bootstrapped.getStatus()).isEqualTo("False");
    assertThat(bootstrapped.getReason()).isEqualTo("ForeignBootstrapVariant");
    assertThat(OperatorHarness.condition(h.stage("boot-d"), "Ready").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(parameters(foreign, REGION)).isEqualTo(foreignBefore);

    h.apply(stage("boot-d", List.of(foreign, missing), List.of(REGION), "{createIfMissing: true}", ""));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(report("boot-d", missing, REGION).state()).isEqualTo(BootstrapState.CURRENT));
    assertThat(boundaryOf(missing, execRole(missing, REGION)))
        .isEqualTo("arn:aws:iam::" + missing + ":policy/developer-policy-boot-d");
    assertThat(parameters(foreign, REGION)).isEqualTo(foreignBefore);
  }

  @Test
  @Order(6)
  void deletePolicyClearsTheBootstrapParameterBeforeThePolicyGoes() {
    String account = org.account("prod-search");
    h.apply(stage("boot-e", List.of(account), List.of(REGION), "{}", "deletionPolicy: Delete"));
    h.awaitReady("boot-e");
    assertThat(boundaryOf(account, execRole(account, REGION))).isNotNull();
    h.client().resources(io.stageboundary.operator.api.v1alpha1.stage.Stage.class).withName("boot-e").delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.stage("boot-e") == null);
    assertThat(parameters(account, REGION)).containsEntry("InputPermissionsBoundary", "");
    assertThat(boundaryOf(account, execRole(account, REGION))).isNull();
    try (IamClient iam = aws.inAccount(account).iam()) {
      assertThatThrownBy(() -> iam.getPolicy(r -> r.policyArn(
          "arn:aws:iam::" + account + ":policy/developer-policy-boot-e"))).isInstanceOf(NoSuchEntityException.class);
    }
  }
}
