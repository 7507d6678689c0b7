package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.argocd.ArgoCdHealth;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * Closing an account is routine, not drift: a closed account below a targeted OU is marked
 * SUSPENDED (AccountSuspended), not called into, not counted, and the Stage is Ready; a boundary
 * change goes on without it (StackSets skip it); once Organizations no longer lists the account,
 * its StageAccount goes. Under driftRemediation Report, where a real departure would be drift.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SuspendedAccountTest {
  @TempDir
  static Path work;
  private static final String REGION = "us-east-1";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static EmulatorAdmin emulator;
  private static Peers peers;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    org = p.organization();
    emulator = p.emulator();
    h = OperatorHarness.startWithBootstrapped(p, REGION, "dev-payments", "dev-search");
    // the organisation is read again every second, so a closure shows at once
    h.apply(OperatorHarness.read("samples/organization.yaml").replace("refreshInterval: 30m", "refreshInterval: 1s"));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String stage(String more) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: closing}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-closing
            statements:
            - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
        %s
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
          driftRemediation: Report
        """.formatted(more.indent(4).stripTrailing(), org.ou("dev"));
  }

  private static StageAccountStatus status(String account) {
    return h.accountStatus("closing", org.account(account));
  }

  @Test
  @Order(1)
  void aClosedAccountIsSuspendedNotDriftAndTheStageIsReady() throws Exception {
    h.apply(stage(""));
    h.awaitReady("closing");
    String closed = org.account("dev-search");
    try (OrganizationsClient orgs = peers.awsClients().organizations()) {
      orgs.closeAccount(r -> r.accountId(closed));
    }
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      StageAccountStatus s = status("dev-search");
      assertThat(s).isNotNull();
      assertThat(s.boundary().state()).isEqualTo(State.SUSPENDED);
      assertThat(s.blocked()).isNotNull();
      assertThat(s.blocked().reason()).isEqualTo("AccountSuspended");
    });
    Stage s = h.awaitReady("closing");
    assertThat(OperatorHarness.is(s, "InSync", "True")).as("closing an account is not drift").isTrue();
    assertThat(s.getStatus().accounts().targeted()).as("a closed account does not count").isEqualTo(2);

    // Argo CD shows the closed account Suspended, not Progressing or Degraded
    GenericKubernetesResource obj = h.client().genericKubernetesResources("iam.stageboundary.io/v1alpha1",
        "StageAccount").withName("closing." + closed).get();
    Path file = Files.createTempFile(work, "stageaccount", ".yaml");
    Files.writeString(file, Serialization.asYaml(obj));
    assertThat(ArgoCdHealth.eval(ArgoCdHealth.REPO.resolve(
        "deploy/argocd/iam.stageboundary.io/StageAccount/health.lua"), file).status()).isEqualTo("Suspended");
  }

  @Test
  @Order(2)
  void aBoundaryChangeGoesOnWithoutItAndNothingIsCalledInIt() {
    String closed = org.account("dev-search");
    emulator.clearCalls();
    h.apply(stage("- {sid: DenyStoppingTrails, effect: Deny, actions: [\"cloudtrail:StopLogging\"], resources: [\"*\"]}"));
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Stage s = h.stage("closing");
      assertThat(OperatorHarness.is(s, "Ready", "True")).as("%s", s.getStatus().conditions()).isTrue();
      assertThat(status("dev-payments").boundary().revision()).isEqualTo(s.getStatus().revision());
    });
    assertThat(status("dev-search").boundary().state()).isEqualTo(State.SUSPENDED);
    assertThat(emulator.calls()).as("no call into the closed account")
        .noneMatch(c -> closed.equals(c.account()));
  }

  @Test
  @Order(3)
  void onceOrganizationsNoLongerListsItItsStageAccountGoes() {
    String closed = org.account("dev-search");
    try (OrganizationsClient orgs = peers.awsClients().organizations()) {
      orgs.removeAccountFromOrganization(r -> r.accountId(closed));
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> status("dev-search") == null);
    Stage s = h.awaitReady("closing");
    assertThat(OperatorHarness.is(s, "InSync", "True")).isTrue();
  }
}
