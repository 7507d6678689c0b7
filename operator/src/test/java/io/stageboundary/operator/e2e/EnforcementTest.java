package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Enforcement;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Proof from IAM's own evaluation (the emulator's SimulatePrincipalPolicy, decided by
 * iam-simulate) that each account's CDK execution role is held by the boundary: the guards cannot
 * be escaped and the stage's denies deny.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnforcementTest {
  private static final String REGION = "us-east-1";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static AwsClients aws;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    aws = peers.awsClients();
    h = OperatorHarness.startWithBootstrapped(peers, REGION, "prod-payments", "prod-search");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String stage(String probes, String remediation) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: proven}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-proven
            statements:
            - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
            - sid: DenyOutsideApprovedRegions
              effect: Deny
              notActions: ["iam:*", "sts:*", "organizations:*"]
              resources: ["*"]
              conditions: {StringNotEquals: {"aws:RequestedRegion": [us-east-1, eu-west-1]}}
          targets: {accounts: ["%s", "%s"], regions: [us-east-1]}
          driftCheckInterval: 2s
          driftRemediation: %s
          verification:
            probes: %s
        """.formatted(org.account("prod-payments"), org.account("prod-search"), remediation, probes);
  }

  private static Enforcement enforcement(String account) {
    StageAccount a = h.client().resources(StageAccount.class).withName("proven." + account).get();
    return a == null || a.getStatus() == null ? null : a.getStatus().enforcement();
  }

  @Test
  @Order(1)
  void correctRulesAreEnforcedInEveryAccount() {
    h.apply(stage("[{action: s3:GetObject, expect: Allowed}, {action: config:PutConfigRule, expect: Denied}]", "Report"));
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(OperatorHarness.is(h.stage("proven"), "Enforced", "True"))
        .as("%s", enforcement(org.account("prod-payments"))).isTrue());
    Stage s = h.stage("proven");
    assertThat(OperatorHarness.is(s, "Ready", "True")).isTrue();
    assertThat(s.getStatus().accounts().enforced()).isEqualTo(2);
    for (String name : List.of("prod-payments", "prod-search")) {
      Enforcement e = enforcement(org.account(name));
      assertThat(e.failed()).isZero();
      // 6 guard probes + the boundary allowing a role with it, a config: action, an action outside
      // the approved regions, and the two declared probes
      assertThat(e.passed()).isEqualTo(11);
    }
  }

  @Test
  @Order(2)
  void aDeclaredProbeTheStageDeniesFailsNamingWhatDenied() {
    h.apply(stage("[{action: config:PutConfigRule, expect: Allowed}]", "Report"));
    Stage s = h.awaitCondition("proven", "Enforced", "False", Duration.ofSeconds(30));
    assertThat(OperatorHarness.condition(s, "Enforced").orElseThrow().getReason()).isEqualTo("ProbesFailed");
    assertThat(OperatorHarness.condition(s, "Ready").orElseThrow().getReason()).isEqualTo("ProbesFailed");
    var failure = enforcement(org.account("prod-payments")).failures().get(0);
    assertThat(failure.action()).isEqualTo("config:PutConfigRule");
    assertThat(failure.expected()).isEqualTo("allowed");
    assertThat(failure.actual()).isEqualTo("explicitDeny (the boundary denies it)");
    assertThat(failure.decisiveStatements()).contains("developer-policy-proven");
  }

  @Test
  @Order(3)
  void aBoundaryRemovedOutOfBandFailsTheProbesAndTheRepairedRolePassesAgain() {
    String account = org.account("prod-search");
    h.apply(stage("[]", "Report"));
    h.awaitCondition("proven", "Enforced", "True", Duration.ofSeconds(30));
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.deleteRolePermissionsBoundary(r -> r.roleName("cdk-hnb659fds-cfn-exec-role-" + account + "-" + REGION));
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Enforcement e = enforcement(account);
      assertThat(e.failed()).isPositive();
      assertThat(e.failures()).anySatisfy(f -> {
        assertThat(f.probe()).isEqualTo("guard: no role without this boundary");
        assertThat(f.actual()).contains("the role has no boundary");
      });
    });
    assertThat(enforcement(org.account("prod-payments")).failed()).as("the other account still holds").isZero();
    h.apply(stage("[]", "Reconcile"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(enforcement(account).failed()).isZero());
    h.awaitCondition("proven", "Enforced", "True", Duration.ofSeconds(30));
  }

  @Test
  @Order(4)
  void theProdSampleIsProvableAsShipped() {
    h.client().resources(Stage.class).withName("proven").delete();
    h.applySample("stage-prod.yaml");
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> assertThat(OperatorHarness.is(h.stage("prod"), "Enforced", "True"))
        .as("%s", h.client().resources(StageAccount.class).withName("prod." + org.account("prod-payments")).get())
        .isTrue());
  }
}
