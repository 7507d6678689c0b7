package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * One account whose StackSet instance fails holds none of the others back. In an OU of three, a
 * team had made a policy of the stage's name by hand in the first account (as AWS's article has
 * teams do), so CloudFormation refuses to create it there. The other two get their boundary,
 * their bootstrap and their proof in the time they would alone; the first says why on its
 * StageAccount ({@code PolicyNameTaken}, naming the policy), the Stage says "1 of 3 account(s)
 * blocked" and is not Ready, and the failed account is retried alone, with a backoff, its writes
 * bounded; once the hand-made policy is gone it converges by itself.
 */
@PeersExtension.WithPeers
class PerAccountIsolationTest {
  private static final String REGION = "us-east-1";
  private static final String POLICY = "developer-policy-iso";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static EmulatorAdmin emulator;
  private static Peers peers;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    org = p.organization();
    emulator = p.emulator();
    h = OperatorHarness.startWithBootstrapped(p, REGION, "dev-payments", "dev-search", "dev-data");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static StageAccountStatus status(String account) {
    return h.accountStatus("iso", org.account(account));
  }

  private static boolean converged(String account) {
    StageAccountStatus s = status(account);
    return s != null && s.blocked() == null && s.boundary().state() == State.CURRENT
        && s.bootstrapState() == BootstrapState.CURRENT && s.enforcement() != null && s.enforcement().failed() == 0;
  }

  private static long stackSetWrites() {
    return emulator.calls().stream().filter(c -> "cloudformation".equals(c.service()) && c.write()
        && c.action().contains("Stack") && (c.action().contains("Instances") || c.action().equals("UpdateStackSet")))
        .count();
  }

  @Test
  void aTakenPolicyNameBlocksItsAccountAloneAndTheOthersConverge() {
    String taken = org.account("dev-payments");
    String policyArn = "arn:aws:iam::" + taken + ":policy/" + POLICY;
    try (IamClient iam = peers.awsClients().inAccount(taken).iam()) {
      iam.createPolicy(r -> r.policyName(POLICY).policyDocument("""
          {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"""));
    }
    Instant applied = Instant.now();
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: iso}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: %s}
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
        """.formatted(POLICY, org.ou("dev")));

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(converged("dev-search")).as("%s", status("dev-search")).isTrue();
      assertThat(converged("dev-data")).as("%s", status("dev-data")).isTrue();
    });
    Duration othersConverged = Duration.between(applied, Instant.now());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      StageAccountStatus s = status("dev-payments");
      assertThat(s).isNotNull();
      assertThat(s.blocked()).as("%s", s).isNotNull();
      assertThat(s.blocked().reason()).isEqualTo("PolicyNameTaken");
      assertThat(s.blocked().message()).contains(policyArn).contains("policyName");
      Stage stage = h.stage("iso");
      assertThat(OperatorHarness.condition(stage, "Ready")).hasValueSatisfying(c -> {
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("AccountsBlocked");
        assertThat(c.getMessage()).contains("1 of 3 account(s) blocked").contains("PolicyNameTaken");
      });
      assertThat(stage.getStatus().accounts().blocked()).isEqualTo(1);
    });
    System.out.printf("[figures] PerAccountIsolationTest: the two fresh accounts converged %d s after apply%n",
        othersConverged.toSeconds());
    assertThat(status("dev-payments").bootstrapState()).as("no bootstrap towards a policy that is not the stage's")
        .isNotEqualTo(BootstrapState.CURRENT);

    // the blocked account is retried alone, with a backoff (2 s doubling here): a handful of writes, not a loop
    emulator.clearCalls();
    await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(11)).until(() -> true);
    assertThat(stackSetWrites()).as("StackSet writes in 10 s while one account stays blocked").isLessThanOrEqualTo(3);
    assertThat(converged("dev-search")).isTrue();

    try (IamClient iam = peers.awsClients().inAccount(taken).iam()) {
      iam.deletePolicy(r -> r.policyArn(policyArn));
    }
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(converged("dev-payments"))
        .as("picked up by itself: %s", status("dev-payments")).isTrue());
    h.awaitCondition("iso", "Ready", "True", Duration.ofSeconds(30));
  }
}
