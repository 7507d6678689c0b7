package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.OrganizationSeeder;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * An account the operator cannot reach: its member role was never deployed. The emulator refuses
 * AssumeRole into it as STS does, so nothing is "proven" through a role that is not there; the
 * account is named with its remedy, left alone with a backoff of its own (no tight retry loop),
 * the rest of the stage converges meanwhile, and the account is picked up by itself once the role
 * exists.
 */
@PeersExtension.WithPeers
class MemberRoleMissingTest {
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
    h = OperatorHarness.startWithBootstrapped(p, REGION, "dev-payments", "dev-search", "dev-data");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static StageAccountStatus status(String account) {
    return h.accountStatus("reach", org.account(account));
  }

  private static boolean converged(String account) {
    StageAccountStatus s = status(account);
    return s != null && s.blocked() == null && s.boundary().state() == State.CURRENT
        && s.bootstrapState() == BootstrapState.CURRENT && s.enforcement() != null && s.enforcement().failed() == 0;
  }

  private static long assumeRoles() {
    return emulator.calls().stream().filter(c -> "sts".equals(c.service()) && "AssumeRole".equals(c.action())).count();
  }

  @Test
  void theAccountIsNamedLeftAloneWithABackoffAndPickedUpOnceTheRoleExists() throws InterruptedException {
    String missing = org.account("dev-data");
    try (IamClient iam = peers.awsClients().inAccount(missing).iam()) {
      iam.deleteRolePolicy(r -> r.roleName(OrganizationSeeder.MEMBER_ROLE).policyName(OrganizationSeeder.MEMBER_ROLE));
      iam.deleteRole(r -> r.roleName(OrganizationSeeder.MEMBER_ROLE));
    }
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: reach}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-reach}
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
        """.formatted(org.ou("dev")));

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(converged("dev-payments")).as("%s", status("dev-payments")).isTrue();
      assertThat(converged("dev-search")).as("%s", status("dev-search")).isTrue();
      StageAccountStatus blocked = status("dev-data");
      assertThat(blocked).isNotNull();
      assertThat(blocked.blocked()).isNotNull();
      assertThat(blocked.blocked().reason()).isEqualTo("MemberRoleMissing");
    });
    StageAccountStatus s = status("dev-data");
    assertThat(s.blocked().message()).contains(OrganizationSeeder.MEMBER_ROLE).contains("docs/iam")
        .contains("member-role-trust-policy.json");
    assertThat(s.enforcement()).as("nothing is proven through a role that is not there").isNull();
    assertThat(s.bootstrapState()).isNotEqualTo(BootstrapState.CURRENT);

    // the other accounts' sessions are cached: what AssumeRole costs now is the blocked account's retries
    emulator.clearCalls();
    Thread.sleep(8_000);
    assertThat(assumeRoles()).as("one AssumeRole per backoff (3 s, doubling), not one per call").isLessThanOrEqualTo(3);

    try (IamClient iam = peers.awsClients().inAccount(missing).iam()) {
      // deployed as docs/iam says: its trust names the operator's role
      iam.createRole(r -> r.roleName(OrganizationSeeder.MEMBER_ROLE).assumeRolePolicyDocument(
          OperatorHarness.read("docs/iam/member-role-trust-policy.json")));
      iam.putRolePolicy(r -> r.roleName(OrganizationSeeder.MEMBER_ROLE).policyName(OrganizationSeeder.MEMBER_ROLE)
          .policyDocument(OperatorHarness.read("docs/iam/member-role-policy.json")));
    }
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(converged("dev-data"))
        .as("picked up by itself: %s", status("dev-data")).isTrue());
    for (String account : List.of("dev-payments", "dev-search", "dev-data")) {
      assertThat(status(account).blocked()).isNull();
    }
  }
}
