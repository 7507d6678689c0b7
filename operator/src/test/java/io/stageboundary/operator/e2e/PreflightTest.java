package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.testenv.OrganizationSeeder;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Preflight in the plan, on an OU that looks like a real one: in dev-payments a team made the
 * policy by hand and bootstrapped CDK with it (as AWS's article has teams do); dev-data never got
 * the member role; in beta-payments (targeted by id) another team's CloudFormation stack made it;
 * the stage's second region, ap-east-1, is an opt-in region only dev-search has enabled. Under
 * Manual approval the plan lists each of these per account, with who made the policy and what to
 * do, and writes nothing; the fresh account shows none.
 */
@PeersExtension.WithPeers
class PreflightTest {
  private static final String REGION = "us-east-1";
  private static final String OPT_IN = "ap-east-1";
  private static final String POLICY = "developer-policy-pre";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static Peers peers;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    org = p.organization();
    p.emulator().setRegionEnabled(org.account("dev-search"), OPT_IN, true);
    String handMade = org.account("dev-payments");
    try (IamClient iam = p.awsClients().inAccount(handMade).iam()) {
      iam.createPolicy(r -> r.policyName(POLICY).policyDocument("""
          {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"""));
    }
    try (var cfn = p.awsClients().inAccount(org.account("beta-payments")).cloudFormation()) {
      cfn.createStack(r -> r.stackName("team-boundaries").templateBody("""
          {"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "%s",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
            "Resource": "*"}]}}}}}""".formatted(POLICY)));
    }
    p.emulator().setOperationTiming(0.2, 0);
    OperatorHarness.bootstrapWithCdk(p, REGION, List.of(handMade), "--custom-permissions-boundary", POLICY);
    h = OperatorHarness.startWithBootstrapped(p, REGION, "dev-search");
    try (IamClient iam = p.awsClients().inAccount(org.account("dev-data")).iam()) {
      iam.deleteRolePolicy(r -> r.roleName(OrganizationSeeder.MEMBER_ROLE).policyName(OrganizationSeeder.MEMBER_ROLE));
      iam.deleteRole(r -> r.roleName(OrganizationSeeder.MEMBER_ROLE));
    }
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static StageStatus.Blocker blocker(StageStatus.Plan plan, String account, String reason) {
    return plan.blockers().stream().filter(b -> b.account().equals(org.account(account)) && b.reason().equals(reason))
        .findFirst().orElseThrow();
  }

  @Test
  void theManualPlanNamesWhatWillBlockEachAccountAndWritesNothing() throws InterruptedException {
    int before = h.awsWrites();
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: pre}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: %s}
          targets: {organizationalUnits: [%s], accounts: ["%s"], regions: [us-east-1, ap-east-1]}
          rollout: {approval: Manual}
        """.formatted(POLICY, org.ou("dev"), org.account("beta-payments")));

    await().atMost(Duration.ofSeconds(60)).until(() -> {
      Stage s = h.stage("pre");
      return s != null && s.getStatus() != null && s.getStatus().plan() != null
          && s.getStatus().plan().blockers() != null;
    });
    Stage stage = h.stage("pre");
    StageStatus.Plan plan = stage.getStatus().plan();
    Map<String, List<String>> byAccount = plan.blockers().stream().collect(Collectors.groupingBy(
        StageStatus.Blocker::account, java.util.TreeMap::new,
        Collectors.mapping(b -> b.reason() + (b.region() == null ? "" : " " + b.region()), Collectors.toList())));
    assertThat(byAccount).as("%s", plan.blockers()).containsOnly(
        Map.entry(org.account("dev-payments"), List.of("PolicyNameTaken", "RegionNotEnabled " + OPT_IN)),
        Map.entry(org.account("dev-data"), List.of("MemberRoleMissing")),
        Map.entry(org.account("beta-payments"), List.of("PolicyNameTaken", "RegionNotEnabled " + OPT_IN)));
    StageStatus.Blocker taken = blocker(plan, "dev-payments", "PolicyNameTaken");
    assertThat(taken.message()).contains("arn:aws:iam::" + org.account("dev-payments") + ":policy/" + POLICY)
        .contains("no CloudFormation stack in us-east-1 owns it: made by hand")
        .contains("is the permissions boundary of 1").contains("spec.boundary.policyName")
        .contains("adoptExisting");
    assertThat(blocker(plan, "beta-payments", "PolicyNameTaken").message())
        .contains("by the CloudFormation stack team-boundaries in us-east-1");
    StageStatus.Blocker noRole = plan.blockers().stream().filter(b -> b.reason().equals("MemberRoleMissing"))
        .findFirst().orElseThrow();
    assertThat(noRole.message()).contains(OrganizationSeeder.MEMBER_ROLE);
    List<String> all = new java.util.ArrayList<>(org.accountsIn("dev"));
    all.add(org.account("beta-payments"));
    assertThat(plan.accountsToAdd()).as("every account is still in the plan: the others are not held back")
        .containsExactlyInAnyOrderElementsOf(all);
    assertThat(OperatorHarness.condition(stage, "Reconciling")).hasValueSatisfying(c -> {
      assertThat(c.getReason()).isEqualTo("AwaitingApproval");
      assertThat(c.getMessage()).contains("will block: MemberRoleMissing in 1 account(s), PolicyNameTaken in 2 account(s)");
    });
    Thread.sleep(2000);  // several passes
    assertThat(h.awsWrites()).as("zero AWS writes while the plan waits").isEqualTo(before);
    System.out.printf("[figures] PreflightTest: %d blocker(s) in the plan of %d accounts, %d AWS writes%n",
        plan.blockers().size(), plan.accountsToAdd().size(), h.awsWrites() - before);
  }
}
