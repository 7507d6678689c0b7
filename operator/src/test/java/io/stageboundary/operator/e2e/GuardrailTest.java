package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Enforcement;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.ProofMethod;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.ContextEntry;
import software.amazon.awssdk.services.iam.model.ContextKeyTypeEnum;
import software.amazon.awssdk.services.iam.model.EvaluationResult;
import software.amazon.awssdk.services.iam.model.PolicyEvaluationDecisionType;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.PolicySummary;
import software.amazon.awssdk.services.organizations.model.PolicyType;

/**
 * The guardrail on the real peers: the stage's SCP is kept on its OU, IAM's evaluation (the
 * emulator's SimulatePrincipalPolicy with the organisation's SCPs, decided by iam-simulate) shows
 * an account administrator denied and the operator let through, and every limit and right is
 * checked before anything is written.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuardrailTest {
  private static final String REGION = "us-east-1";
  private static final String SCP = "stage-boundary-guarded";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static AwsClients aws;
  private static String delegation;
  private static EmulatorAdmin emulator;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    emulator = peers.emulator();
    aws = peers.awsClients();
    try (OrganizationsClient mgmt = aws.organizations()) {
      delegation = mgmt.describeResourcePolicy(r -> { }).resourcePolicy().content();
      mgmt.deleteResourcePolicy(r -> { });  // the first test: an organisation that grants nothing
    }
    h = OperatorHarness.startWithBootstrapped(peers, REGION, "prod-payments", "prod-search", "prod-eu-payments",
        "prod-eu-search");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String stage(String remediation) {
    return stage(remediation, "arn:aws:iam::*:role/break-glass");
  }

  private static String stage(String remediation, String exempt) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: guarded}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-guarded
            statements:
            - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
          driftCheckInterval: 2s
          driftRemediation: %s
          # a test switches what the emulator's simulator evaluates, which nothing in AWS shows:
          # the proof is asked again every few seconds instead of when its inputs change
          verification: {reproveAfter: 5s}
          guardrail:
            enabled: true
            exemptPrincipals: ["%s"]
        """.formatted(org.ou("prod"), remediation, exempt);
  }

  private static Optional<PolicySummary> scp() {
    try (OrganizationsClient mgmt = aws.organizations()) {
      return mgmt.listPolicies(r -> r.filter(PolicyType.SERVICE_CONTROL_POLICY)).policies().stream()
          .filter(p -> p.name().equals(SCP)).findFirst();
    }
  }

  private static List<String> targetsOf(String id) {
    try (OrganizationsClient mgmt = aws.organizations()) {
      return mgmt.listTargetsForPolicy(r -> r.policyId(id)).targets().stream().map(t -> t.targetId()).toList();
    }
  }

  private static Enforcement enforcement(String account) {
    StageAccount a = h.client().resources(StageAccount.class).withName("guarded." + account).get();
    return a == null || a.getStatus() == null ? null : a.getStatus().enforcement();
  }

  /** IAM's decision for a role of the account removing the CDK execution role's boundary. */
  private static EvaluationResult removeBoundaryAs(String account, String role) {
    String arn = "arn:aws:iam::" + account + ":role/" + role;
    try (IamClient iam = aws.inAccount(account).iam()) {
      return iam.simulatePrincipalPolicy(r -> r.policySourceArn(arn).actionNames("iam:DeleteRolePermissionsBoundary")
          .resourceArns("arn:aws:iam::" + account + ":role/cdk-hnb659fds-cfn-exec-role-" + account + "-" + REGION)
          .contextEntries(ContextEntry.builder().contextKeyName("aws:PrincipalArn").contextKeyType(ContextKeyTypeEnum.STRING)
              .contextKeyValues(arn).build())).evaluationResults().get(0);
    }
  }

  private static void accountAdmin(String account) {
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.createRole(r -> r.roleName("account-admin").assumeRolePolicyDocument("{\"Version\":\"2012-10-17\","
          + "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" + account + ":root\"},"
          + "\"Action\":\"sts:AssumeRole\"}]}"));
      // AdministratorAccess's document, inline (the emulator does not load AWS managed policies)
      iam.putRolePolicy(r -> r.roleName("account-admin").policyName("AdministratorAccess").policyDocument(
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
    }
  }

  @Test
  @Order(1)
  void withoutTheRightToManageScpsTheStageIsStalledSayingWhatToGrantAndWritesNothing() {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      AwsOrganization o = h.organization("main");
      return o.getStatus() != null && o.getStatus().policyManagement() != null;
    });
    assertThat(h.organization("main").getStatus().policyManagement().canManage()).isFalse();
    int before = h.awsWrites();
    h.apply(stage("Report"));
    Stage s = h.awaitCondition("guarded", "Stalled", "True", Duration.ofSeconds(30));
    var stalled = OperatorHarness.condition(s, "Stalled").orElseThrow();
    assertThat(stalled.getReason()).isEqualTo("GuardrailNotPermitted");
    assertThat(stalled.getMessage()).contains("111111111111", "delegation-policy.json", "put-resource-policy");
    assertThat(h.awsWrites()).as("zero AWS writes").isEqualTo(before);
  }

  @Test
  @Order(2)
  void withTheRightTheScpIsAttachedAndIamProvesItDeniesAnAccountAdministrator() {
    try (OrganizationsClient mgmt = aws.organizations()) {
      mgmt.putResourcePolicy(r -> r.content(delegation));
    }
    h.apply(h.read("samples/organization.yaml").replace("refreshInterval: 30m", "refreshInterval: 4m"));
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(OperatorHarness.is(h.stage("guarded"), "Guarded", "True"))
        .as("%s", h.stage("guarded").getStatus()).isTrue());
    String id = scp().orElseThrow().id();
    assertThat(targetsOf(id)).containsExactly(org.ou("prod"));
    assertThat(OperatorHarness.is(h.stage("guarded"), "Ready", "True")).isTrue();
    for (String name : List.of("prod-payments", "prod-eu-search")) {
      Enforcement e = enforcement(org.account(name));
      assertThat(e.guardrail().passed()).as(name).isEqualTo(3);
      assertThat(e.guardrail().failed()).isZero();
      assertThat(e.guardrail().claims()).as("IAM's simulation proved each claim").hasSize(3)
          .allSatisfy(c -> assertThat(c.method()).isEqualTo(ProofMethod.IamSimulation));
    }

    String inProd = org.account("prod-eu-payments");
    accountAdmin(inProd);
    EvaluationResult admin = removeBoundaryAs(inProd, "account-admin");
    assertThat(admin.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.EXPLICIT_DENY);
    assertThat(admin.organizationsDecisionDetail().allowedByOrganizations()).isFalse();
    EvaluationResult operator = removeBoundaryAs(inProd, org.memberRoleName());
    assertThat(operator.organizationsDecisionDetail().allowedByOrganizations()).isTrue();
    String otherStage = org.account("beta-payments");
    accountAdmin(otherStage);
    EvaluationResult elsewhere = removeBoundaryAs(otherStage, "account-admin");
    assertThat(elsewhere.evalDecision()).as("an account of another stage").isEqualTo(PolicyEvaluationDecisionType.ALLOWED);
  }

  /**
   * The IAM User Guide has said the simulator cannot test SCPs with global condition keys, and the
   * guardrail's exemptions are one (aws:PrincipalArn). With the emulator's simulator set so, IAM no
   * longer proves the guardrail's claims; the SCP read back from Organizations does, and each claim says so.
   */
  @Test
  @Order(3)
  void whereIamsSimulatorCannotTestTheScpTheClaimsAreProvenByTheScpReadBack() {
    String account = org.account("prod-payments");
    String before = enforcement(account).lastChecked();
    emulator.setSimulateScpGlobalConditionKeys(false);
    try {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        Enforcement e = enforcement(account);
        assertThat(e.lastChecked()).isNotEqualTo(before);
        assertThat(e.guardrail().failed()).as("%s", e.failures()).isZero();
        assertThat(e.guardrail().claims()).extracting(c -> c.claim() + " " + c.method()).containsExactlyInAnyOrder(
            "guardrail: no CDK role's boundary removed by an unexempt role ReadBackEvaluation",
            "guardrail: no new version of the boundary by an unexempt role ReadBackEvaluation",
            // the simulator leaves the conditioned Deny out, so it lets the member role through itself
            "guardrail: the operator's member role is exempt IamSimulation");
      });
      assertThat(OperatorHarness.is(h.stage("guarded"), "Ready", "True")).isTrue();
    } finally {
      emulator.setSimulateScpGlobalConditionKeys(true);
    }
  }

  @Test
  @Order(4)
  void aDetachedGuardrailIsReportedUnderReportAndAttachedAgainUnderReconcile() {
    String id = scp().orElseThrow().id();
    try (OrganizationsClient mgmt = aws.organizations()) {
      mgmt.detachPolicy(r -> r.policyId(id).targetId(org.ou("prod")));
    }
    Stage s = h.awaitCondition("guarded", "InSync", "False", Duration.ofSeconds(30));
    assertThat(s.getStatus().drift().reasons()).containsEntry("GuardrailDetached", 1);
    assertThat(OperatorHarness.condition(s, "Guarded").orElseThrow().getReason()).isEqualTo("GuardrailDrifted");
    assertThat(targetsOf(id)).as("Report: not changed").isEmpty();
    h.apply(stage("Reconcile"));
    h.awaitCondition("guarded", "Guarded", "True", Duration.ofSeconds(60));
    assertThat(targetsOf(id)).containsExactly(org.ou("prod"));
  }

  @Test
  @Order(5)
  void theScpFollowsTheExemptions() {
    h.apply(stage("Reconcile", "arn:aws:iam::*:role/incident-response"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      try (OrganizationsClient mgmt = aws.organizations()) {
        assertThat(mgmt.describePolicy(r -> r.policyId(scp().orElseThrow().id())).policy().content())
            .contains("role/incident-response").doesNotContain("role/break-glass");
      }
    });
    h.awaitCondition("guarded", "Guarded", "True", Duration.ofSeconds(60));
  }

  @Test
  @Order(6)
  void deletingTheStageUnderDeleteRemovesTheScpFirst() {
    h.apply(stage("Reconcile", "arn:aws:iam::*:role/incident-response") + "  deletionPolicy: Delete\n");
    h.client().resources(Stage.class).withName("guarded").delete();
    await().atMost(Duration.ofSeconds(90)).until(() -> h.stage("guarded") == null);
    assertThat(scp()).isEmpty();
  }
}
