package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.account.AccountClient;
import software.amazon.awssdk.services.account.model.RegionOptStatus;

/**
 * An opt-in region (ap-east-1) one account of the OU has enabled and bootstrapped, the others not:
 * the stage targets us-east-1 and ap-east-1. Where the region is off, that (account, region) pair is
 * REGION_NOT_ENABLED, never called into (the emulator answers such calls as AWS does, 403
 * UnrecognizedClientException, and logs them), and the Stage is Ready; the account's us-east-1 is
 * bootstrapped and proven as usual. Once someone enables the region (Account Management
 * EnableRegion), the pair is picked up when the organisation is next read.
 */
@PeersExtension.WithPeers
class RegionNotEnabledTest {
  private static final String REGION = "us-east-1";
  private static final String OPT_IN = "ap-east-1";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static EmulatorAdmin emulator;
  private static Peers peers;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    org = p.organization();
    emulator = p.emulator();
    emulator.setRegionEnabled(org.account("dev-payments"), OPT_IN, true);
    OperatorHarness.bootstrapWithCdk(p, OPT_IN, "dev-payments");
    h = OperatorHarness.startWithBootstrapped(p, REGION, "dev-payments", "dev-search", "dev-data");
    // the organisation (and with it which regions accounts have enabled) is read again every 2 s
    h.apply(OperatorHarness.read("samples/organization.yaml").replace("refreshInterval: 30m", "refreshInterval: 2s"));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static StageAccountStatus status(String account) {
    return h.accountStatus("opt-in", org.account(account));
  }

  private static RegionBootstrap in(String account, String region) {
    StageAccountStatus s = status(account);
    return s == null || s.bootstrap() == null ? null
        : s.bootstrap().stream().filter(r -> region.equals(r.region())).findFirst().orElse(null);
  }

  private static long callsInto(String account, String region) {
    return emulator.calls().stream().filter(c -> account.equals(c.account()) && region.equals(c.region())).count();
  }

  @Test
  void aRegionNotEnabledIsLeftAloneAndPickedUpOnceEnabled() {
    emulator.clearCalls();
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: opt-in}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-opt-in}
          targets: {organizationalUnits: [%s], regions: [us-east-1, ap-east-1]}
        """.formatted(org.ou("dev")));

    h.awaitCondition("opt-in", "Ready", "True", Duration.ofSeconds(90));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (String region : java.util.List.of(REGION, OPT_IN)) {
        assertThat(in("dev-payments", region)).as("dev-payments %s", region)
            .extracting(RegionBootstrap::state).isEqualTo(BootstrapState.CURRENT);
      }
      for (String account : java.util.List.of("dev-search", "dev-data")) {
        assertThat(in(account, REGION)).as("%s %s", account, REGION)
            .extracting(RegionBootstrap::state).isEqualTo(BootstrapState.CURRENT);
        RegionBootstrap off = in(account, OPT_IN);
        assertThat(off).as("%s %s", account, OPT_IN).isNotNull();
        assertThat(off.state()).isEqualTo(BootstrapState.REGION_NOT_ENABLED);
        assertThat(off.message()).contains("opt-in region").contains("EnableRegion");
        assertThat(status(account).bootstrapState()).as("the account's own state").isEqualTo(BootstrapState.CURRENT);
        assertThat(status(account).enforcement()).isNotNull();
        assertThat(status(account).enforcement().failed()).isZero();
      }
    });
    assertThat(OperatorHarness.condition(h.stage("opt-in"), "Bootstrapped")).hasValueSatisfying(c ->
        assertThat(c.getStatus()).isEqualTo("True"));
    String search = org.account("dev-search");
    String data = org.account("dev-data");
    assertThat(callsInto(search, OPT_IN) + callsInto(data, OPT_IN)).as("calls into a region the account has not enabled")
        .isZero();

    // enabled as a platform team would, through Account Management from the management account
    try (AccountClient account = peers.awsClients().account()) {
      account.enableRegion(r -> r.accountId(search).regionName(OPT_IN));
      await().atMost(Duration.ofSeconds(20)).until(() -> account.getRegionOptStatus(r -> r.accountId(search)
          .regionName(OPT_IN)).regionOptStatus() == RegionOptStatus.ENABLED);
    }
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(in("dev-search", OPT_IN))
        .as("picked up once enabled: %s", status("dev-search"))
        .extracting(RegionBootstrap::state).isEqualTo(BootstrapState.NOT_BOOTSTRAPPED));
    assertThat(in("dev-data", OPT_IN).state()).isEqualTo(BootstrapState.REGION_NOT_ENABLED);
    assertThat(callsInto(data, OPT_IN)).isZero();
    h.awaitCondition("opt-in", "Ready", "True", Duration.ofSeconds(30));
  }
}
