package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.exception.BoundaryException;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus.Phase;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A BoundaryException lifts exactly its Deny in exactly its account (the policy IAM holds, IAM's
 * simulation and the operator's probes say so, the other account unchanged), and ends by itself at
 * expiresAt with the boundary restored and proven; a guard statement is refused at admission, an
 * unknown one is Refused with zero AWS writes; break-glass is loud, and deleting an exception
 * restores the boundary at once. The drift interval is the default hour: every proof here follows
 * the exception, not a schedule.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BoundaryExceptionTest {
  private static final String REGION = "us-east-1";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static AwsClients aws;
  private static String lifted;
  private static String other;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    aws = peers.awsClients();
    h = OperatorHarness.startWithBootstrapped(peers, REGION, "dev-payments", "dev-search");
    lifted = org.account("dev-payments");
    other = org.account("dev-search");
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: excepted}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-excepted
            statements:
            - {sid: DenyConfigRules, effect: Deny, actions: ["config:PutConfigRule", "config:DeleteConfigRule"], resources: ["*"]}
            - {sid: DenyKeyDeletion, effect: Deny, actions: ["kms:ScheduleKeyDeletion"], resources: ["*"]}
          targets: {organizationalUnits: [%s], regions: [us-east-1]}
        """.formatted(org.ou("dev")));
    h.awaitReady("excepted");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String exception(String name, String statements, Instant expires, String more) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: BoundaryException
        metadata: {name: %s}
        spec:
          stage: excepted
          accounts: ["%s"]
          statements: [%s]
          reason: the data team sets up AWS Config rules
          ticket: SEC-1234
          expiresAt: "%s"
        %s""".formatted(name, lifted, statements, expires.truncatedTo(ChronoUnit.SECONDS), more.indent(2));
  }

  private static BoundaryException get(String name) {
    return h.client().resources(BoundaryException.class).withName(name).get();
  }

  private static Phase phase(String name) {
    BoundaryException e = get(name);
    return e == null || e.getStatus() == null ? null : e.getStatus().phase();
  }

  private static String decision(String account, String action) {
    return h.execRoleDecision(account, REGION, action);
  }

  private static String policy(String account) {
    String arn = "arn:aws:iam::" + account + ":policy/developer-policy-excepted";
    try (var iam = aws.inAccount(account).iam()) {
      String v = iam.getPolicy(r -> r.policyArn(arn)).policy().defaultVersionId();
      return URLDecoder.decode(iam.getPolicyVersion(r -> r.policyArn(arn).versionId(v)).policyVersion().document(),
          StandardCharsets.UTF_8);
    }
  }

  private static List<String> stageEvents(String reason) {
    Stage s = h.stage("excepted");
    return h.client().v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> s.getMetadata().getUid().equals(e.getInvolvedObject().getUid()) && reason.equals(e.getReason()))
        .map(e -> e.getType() + " " + e.getMessage()).toList();
  }

  private static void enforcedAndReady() {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Stage s = h.stage("excepted");
      assertThat(OperatorHarness.is(s, "Ready", "True")).as("%s", s.getStatus().conditions()).isTrue();
      assertThat(OperatorHarness.is(s, "Enforced", "True")).as("%s", s.getStatus().conditions()).isTrue();
    });
  }

  @Test
  @Order(1)
  void anExceptionLiftsExactlyItsDenyInExactlyItsAccountAndEndsByItself() {
    Instant expires = Instant.now().plusSeconds(45);
    h.apply(exception("config-rules", "DenyConfigRules", expires, "approvedBy: security@example.com"));
    await().atMost(Duration.ofSeconds(60)).until(() -> phase("config-rules") == Phase.Active);
    assertThat(get("config-rules").getStatus().liftedIn()).containsExactly(lifted);

    assertThat(policy(lifted)).doesNotContain("DenyConfigRules").contains("DenyKeyDeletion");
    assertThat(policy(other)).contains("DenyConfigRules");
    assertThat(decision(lifted, "config:PutConfigRule")).isEqualTo("allowed");
    assertThat(decision(lifted, "kms:ScheduleKeyDeletion")).isEqualTo("explicitDeny");
    assertThat(decision(other, "config:PutConfigRule")).isEqualTo("explicitDeny");
    enforcedAndReady();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      StageAccountStatus s = h.accountStatus("excepted", lifted);
      assertThat(s.exceptions()).singleElement().satisfies(l -> {
        assertThat(l.exception()).isEqualTo("config-rules");
        assertThat(l.statements()).containsExactly("DenyConfigRules");
        assertThat(l.reason()).contains("SEC-1234");
      });
      assertThat(s.enforcement().failed()).isZero();
      assertThat(s.enforcement().passed()).as("the lift is proven too").isPositive();
      assertThat(h.accountStatus("excepted", other).exceptions()).isNull();
    });
    assertThat(stageEvents("ExceptionGranted")).singleElement().asString().startsWith("Normal")
        .contains("config-rules", "security@example.com");

    // at expiresAt the whole boundary comes back, and is proven
    await().atMost(Duration.ofSeconds(90)).until(() -> phase("config-rules") == Phase.Expired);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(policy(lifted)).contains("DenyConfigRules");
      assertThat(h.accountStatus("excepted", lifted).exceptions()).isNull();
    });
    assertThat(decision(lifted, "config:PutConfigRule")).isEqualTo("explicitDeny");
    enforcedAndReady();
    assertThat(stageEvents("ExceptionEnded")).isNotEmpty();
  }

  @Test
  @Order(2)
  void aGuardStatementIsRefusedAtAdmissionAndAnUnknownOneWritesNothing() throws Exception {
    assertThatThrownBy(() -> h.apply(exception("guard", "DenyPermBoundaryIAMPolicyAlteration",
        Instant.now().plusSeconds(600), "approvedBy: someone")))
        .hasMessageContaining("the guard statements keep the boundary in place");
    assertThatThrownBy(() -> h.apply(exception("unapproved", "DenyKeyDeletion", Instant.now().plusSeconds(600), "")))
        .hasMessageContaining("approvedBy is required unless breakGlass");

    int before = h.awsWrites();
    h.apply(exception("unknown", "DenyNothing", Instant.now().plusSeconds(600), "approvedBy: someone"));
    await().atMost(Duration.ofSeconds(30)).until(() -> phase("unknown") == Phase.Refused);
    assertThat(get("unknown").getStatus().message()).contains("DenyNothing is not one of the stage's Deny statements",
        "DenyConfigRules, DenyKeyDeletion");
    Thread.sleep(3000);
    assertThat(h.awsWrites()).as("a refused exception writes nothing").isEqualTo(before);
    h.client().resources(BoundaryException.class).withName("unknown").delete();
  }

  @Test
  @Order(3)
  void breakGlassIsLoudAndDeletingAnExceptionRestoresTheBoundaryAtOnce() {
    h.apply(exception("incident-42", "DenyKeyDeletion", Instant.now().plus(Duration.ofHours(4)), "breakGlass: true"));
    await().atMost(Duration.ofSeconds(60)).until(() -> phase("incident-42") == Phase.Active);
    assertThat(decision(lifted, "kms:ScheduleKeyDeletion")).isEqualTo("allowed");
    assertThat(stageEvents("BreakGlassGranted")).singleElement().asString().startsWith("Warning")
        .contains("break-glass", "incident-42");
    assertThat(h.accountStatus("excepted", lifted).exceptions()).singleElement()
        .satisfies(l -> assertThat(l.breakGlass()).isTrue());

    h.client().resources(BoundaryException.class).withName("incident-42").delete();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(policy(lifted)).contains("DenyKeyDeletion");
      assertThat(h.accountStatus("excepted", lifted).exceptions()).isNull();
    });
    assertThat(decision(lifted, "kms:ScheduleKeyDeletion")).isEqualTo("explicitDeny");
    enforcedAndReady();
  }
}
