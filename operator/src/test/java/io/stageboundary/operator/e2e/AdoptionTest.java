package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * Taking over what a team built by hand: in dev-payments a team made developer-policy-adopt (an
 * allow-all) and bootstrapped CDK with it, as AWS's article has teams do; the OU's two other
 * accounts are fresh. A Stage with {@code adoptExisting: true} over the OU: the fresh accounts get
 * the StackSet's policy, dev-payments' policy gets the stage's document as a new default version
 * (CloudFormation cannot own it), and every account converges, bootstrapped and proven. Polled all
 * along: the CDK execution role in dev-payments is bounded by a policy that exists, never
 * unbounded. A later boundary change reaches the adopted policy too, and the StackSet never
 * retries the account.
 */
@PeersExtension.WithPeers
class AdoptionTest {
  private static final String REGION = "us-east-1";
  private static final String POLICY = "developer-policy-adopt";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static EmulatorAdmin emulator;
  private static Peers peers;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    org = p.organization();
    emulator = p.emulator();
    try (IamClient iam = p.awsClients().inAccount(org.account("dev-payments")).iam()) {
      iam.createPolicy(r -> r.policyName(POLICY).policyDocument("""
          {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"""));
    }
    p.emulator().setOperationTiming(0.2, 0);
    OperatorHarness.bootstrapWithCdk(p, REGION, List.of(org.account("dev-payments")),
        "--custom-permissions-boundary", POLICY);
    h = OperatorHarness.startWithBootstrapped(p, REGION, "dev-search", "dev-data");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String stage(String statements) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: adopt}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: %s
            adoptExisting: true
            statements:
        %s
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
        """.formatted(POLICY, statements.indent(4).stripTrailing(), org.ou("dev"));
  }

  private static StageAccountStatus status(String account) {
    return h.accountStatus("adopt", org.account(account));
  }

  private static boolean converged(String account, String revision) {
    StageAccountStatus s = status(account);
    return s != null && s.blocked() == null && s.boundary().state() == State.CURRENT
        && revision.equals(s.boundary().revision()) && s.bootstrapState() == BootstrapState.CURRENT
        && s.enforcement() != null && s.enforcement().failed() == 0 && revision.equals(s.enforcement().revision());
  }

  private static String document(IamClient iam, String arn) {
    String v = iam.getPolicy(r -> r.policyArn(arn)).policy().defaultVersionId();
    return URLDecoder.decode(iam.getPolicyVersion(r -> r.policyArn(arn).versionId(v)).policyVersion().document(),
        StandardCharsets.UTF_8);
  }

  @Test
  void aPolicyMadeByHandIsTakenOverAndTheCdkRoleStaysBoundedThroughout() throws Exception {
    String account = org.account("dev-payments");
    String arn = "arn:aws:iam::" + account + ":policy/" + POLICY;
    String execRole = "cdk-hnb659fds-cfn-exec-role-" + account + "-" + REGION;
    List<String> unbounded = new CopyOnWriteArrayList<>();
    AtomicBoolean polling = new AtomicBoolean(true);
    Thread poller = new Thread(() -> {
      try (IamClient iam = peers.awsClients().inAccount(account).iam()) {
        while (polling.get()) {
          var b = iam.getRole(r -> r.roleName(execRole)).role().permissionsBoundary();
          if (b == null) {
            unbounded.add("unbounded");
          } else {
            try {
              iam.getPolicy(r -> r.policyArn(b.permissionsBoundaryArn()));
            } catch (NoSuchEntityException e) {
              unbounded.add("names a missing policy " + b.permissionsBoundaryArn());
            }
          }
          Thread.sleep(200);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "exec-role-poller");
    poller.start();
    try {
      h.apply(stage("- {sid: DenyModifyingConfig, effect: Deny, actions: [\"config:*\"], resources: [\"*\"]}"));
      h.awaitCondition("adopt", "Ready", "True", Duration.ofSeconds(120));
      String revision = h.stage("adopt").getStatus().revision();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        for (String a : List.of("dev-payments", "dev-search", "dev-data")) {
          assertThat(converged(a, revision)).as("%s: %s", a, status(a)).isTrue();
        }
      });
      StageAccountStatus adopted = status("dev-payments");
      assertThat(adopted.boundary().adopted()).isTrue();
      assertThat(adopted.boundary().message()).contains("adoptExisting");
      assertThat(adopted.boundary().driftReason()).as("taking over is not drift").isNull();
      assertThat(status("dev-search").boundary().adopted()).as("not written for the others").isNull();
      try (IamClient iam = peers.awsClients().inAccount(account).iam()) {
        assertThat(document(iam, arn)).as("the stage's document replaced the team's")
            .contains("DenyModifyingConfig").contains("DenyAccessIfRequiredPermBoundaryIsNotBeingApplied");
        assertThat(iam.getRole(r -> r.roleName(execRole)).role().permissionsBoundary().permissionsBoundaryArn())
            .isEqualTo(arn);
      }
      assertThat(h.client().v1().events().inAnyNamespace().list().getItems())
          .anyMatch(e -> "PolicyAdopted".equals(e.getReason()) && e.getMessage().contains(account));

      // the StackSet leaves the account alone: no retry of its instance
      emulator.clearCalls();
      Thread.sleep(4000);
      assertThat(emulator.calls()).as("StackSet writes at rest").noneMatch(c -> "cloudformation".equals(c.service())
          && c.write() && c.action().contains("StackInstances"));

      // a boundary change reaches the policy taken over too
      h.apply(stage("""
          - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
          - {sid: DenyKeyDeletion, effect: Deny, actions: ["kms:ScheduleKeyDeletion"], resources: ["*"]}"""));
      await().atMost(Duration.ofSeconds(90)).until(() -> !revision.equals(h.stage("adopt").getStatus().revision()));
      String next = h.stage("adopt").getStatus().revision();
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        for (String a : List.of("dev-payments", "dev-search", "dev-data")) {
          assertThat(converged(a, next)).as("%s: %s", a, status(a)).isTrue();
        }
      });
      h.awaitCondition("adopt", "Ready", "True", Duration.ofSeconds(30));
      try (IamClient iam = peers.awsClients().inAccount(account).iam()) {
        assertThat(document(iam, arn)).contains("DenyKeyDeletion");
      }
    } finally {
      polling.set(false);
      poller.join();
    }
    assertThat(unbounded).as("the CDK execution role was bounded by an existing policy all along").isEmpty();
  }
}
