package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.operator.api.v1alpha1.Condition;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Enforcement;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * After a boundary change the proof follows the rollout: each account is proven against the new
 * revision once its policy holds it, so Enforced and Ready come back within seconds of the StackSet
 * update ending, at the default drift interval (an hour), and never pass through ProbesFailed on the
 * way; a probe that really fails against the new revision still turns Enforced False.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProofFollowsRolloutTest {
  private static final String REGION = "us-east-1";
  private static final String KEY_DELETION =
      "- {sid: DenyKeyDeletion, effect: Deny, actions: [\"kms:ScheduleKeyDeletion\"], resources: [\"*\"]}";
  private static OperatorHarness h;
  private static SeededOrganization org;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    h = OperatorHarness.startWithBootstrapped(peers, REGION, "prod-payments", "prod-search", "beta-payments",
        "beta-search");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** A stage over two accounts at the default drift check interval (1 h): only a change makes it look again. */
  private static String stage(String name, String approval, String first, String second, String more, String probes) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: %s}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-%s
            statements:
            - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
        %s
          targets: {accounts: ["%s", "%s"], regions: [us-east-1]}
          rollout: {approval: %s}
          verification:
            probes: %s
        """.formatted(name, name, more.indent(4).stripTrailing(), org.account(first), org.account(second), approval,
        probes);
  }

  private static Enforcement enforcement(String stage, String account) {
    StageAccount a = h.client().resources(StageAccount.class).withName(stage + "." + account).get();
    return a == null || a.getStatus() == null ? null : a.getStatus().enforcement();
  }

  /**
   * Applies {@code changed} to a Ready, Enforced stage and waits until it is Ready and Enforced again
   * with the new revision in both accounts, watching every status on the way for a failed proof.
   */
  private static Duration changeAndWatch(String name, String changed, List<String> accounts) {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    String before = h.stage(name).getStatus().revision();
    h.apply(changed);
    await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      Stage s = h.stage(name);
      OperatorHarness.condition(s, "Enforced").filter(c -> "False".equals(c.getStatus()))
          .ifPresent(c -> seen.add(c.getReason() + ": " + c.getMessage()));
      OperatorHarness.condition(s, "Ready").filter(c -> ConditionReason.ProbesFailed.name().equals(c.getReason()))
          .ifPresent(c -> seen.add("Ready " + c.getReason() + ": " + c.getMessage()));
      String revision = s.getStatus().revision();
      assertThat(revision).isNotEqualTo(before);
      assertThat(OperatorHarness.is(s, "Ready", "True")).as("Ready: %s", s.getStatus().conditions()).isTrue();
      assertThat(OperatorHarness.is(s, "Enforced", "True")).isTrue();
      for (String account : accounts) {
        assertThat(enforcement(name, org.account(account)).revision()).as("%s proved the new revision", account)
            .isEqualTo(revision);
      }
    });
    assertThat(seen).as("no failed proof on the way").isEmpty();
    Stage s = h.stage(name);
    Instant ended = Instant.parse(s.getStatus().stackSet().lastOperation().endedAt());
    Instant ready = Instant.parse(OperatorHarness.condition(s, "Ready").map(Condition::getLastTransitionTime).orElseThrow());
    return Duration.between(ended, ready);
  }

  @Test
  @Order(1)
  void underAutomaticABoundaryChangeIsProvenOnceTheNewPolicyIsThere() {
    h.apply(stage("auto", "Automatic", "prod-payments", "prod-search", "", "[]"));
    h.awaitCondition("auto", "Enforced", "True", Duration.ofSeconds(60));
    h.awaitReady("auto");
    Duration afterUpdate = changeAndWatch("auto", stage("auto", "Automatic", "prod-payments", "prod-search",
        KEY_DELETION, "[]"), List.of("prod-payments", "prod-search"));
    assertThat(afterUpdate).as("Ready again within seconds of the StackSet update ending").isLessThan(Duration.ofSeconds(15));
    assertThat(enforcement("auto", org.account("prod-payments")).passed())
        .as("the new Deny is among the proven probes").isGreaterThan(0);
  }

  @Test
  @Order(2)
  void underManualTheApprovedChangeIsProvenOnceTheNewPolicyIsThere() {
    h.approvePlansOf("manual");
    h.apply(stage("manual", "Manual", "beta-payments", "beta-search", "", "[]"));
    h.awaitCondition("manual", "Enforced", "True", Duration.ofSeconds(60));
    h.awaitReady("manual");
    Duration afterUpdate = changeAndWatch("manual", stage("manual", "Manual", "beta-payments", "beta-search",
        KEY_DELETION, "[]"), List.of("beta-payments", "beta-search"));
    assertThat(afterUpdate).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  @Order(3)
  void aProbeThatFailsAgainstTheNewRevisionStillTurnsEnforcedFalse() {
    // the new revision denies what a declared probe says must stay allowed
    h.apply(stage("auto", "Automatic", "prod-payments", "prod-search",
        KEY_DELETION + "\n- {sid: DenyReadingObjects, effect: Deny, actions: [\"s3:GetObject\"], resources: [\"*\"]}",
        "[{action: s3:GetObject, expect: Allowed}]"));
    Stage s = h.awaitCondition("auto", "Enforced", "False", Duration.ofSeconds(45));
    Condition enforced = OperatorHarness.condition(s, "Enforced").orElseThrow();
    assertThat(enforced.getReason()).isEqualTo(ConditionReason.ProbesFailed.name());
    assertThat(enforced.getMessage()).as("names the probe and the statement that decided it")
        .contains("s3:GetObject").contains("DenyReadingObjects");
    assertThat(enforcement("auto", org.account("prod-payments")).revision()).isEqualTo(s.getStatus().revision());
    assertThat(OperatorHarness.condition(s, "Ready").orElseThrow().getReason()).isEqualTo("ProbesFailed");
  }

  private static String rules(String more) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: BoundaryRules
        metadata: {name: proven-shared}
        spec:
          statements:
          - {sid: DenyStoppingTrails, effect: Deny, actions: ["cloudtrail:StopLogging"], resources: ["*"]}
        %s
          promotion: {stages: [p-dev, p-beta, p-prod], soak: 4s}
        """.formatted(more.indent(2).stripTrailing());
  }

  private static String including(String name, String account) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: %s}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-%s
            include: [{name: proven-shared}]
          targets: {accounts: ["%s"], regions: [us-east-1]}
        """.formatted(name, name, org.account(account));
  }

  private static String holds(Stage s) {
    return s == null || s.getStatus() == null || s.getStatus().includes() == null ? null
        : s.getStatus().includes().stream().filter(i -> i.name().equals("proven-shared"))
            .map(io.stageboundary.operator.api.v1alpha1.stage.StageStatus.Included::revision).findFirst().orElse(null);
  }

  private static boolean healthyWith(Stage s, String revision) {
    return revision.equals(holds(s)) && OperatorHarness.is(s, "Ready", "True") && OperatorHarness.is(s, "Enforced", "True");
  }

  @Test
  @Order(4)
  void sharedRulesArePromotedThroughThreeStagesEachSoakStartingWhenItsRolloutEnds() {
    h.client().resources(Stage.class).withName("auto").delete();
    h.client().resources(Stage.class).withName("manual").delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.stage("auto") == null && h.stage("manual") == null);
    List<String> stages = List.of("p-dev", "p-beta", "p-prod");
    List<String> accounts = List.of("prod-payments", "prod-search", "beta-payments");
    h.apply(rules(""));
    for (int i = 0; i < 3; i++) {
      h.apply(including(stages.get(i), accounts.get(i)));
    }
    await().atMost(Duration.ofSeconds(90)).until(() -> {
      String r = holds(h.stage("p-dev"));
      return r != null && stages.stream().allMatch(n -> healthyWith(h.stage(n), r));
    });
    String r1 = holds(h.stage("p-dev"));

    h.apply(rules(KEY_DELETION));
    java.util.Map<String, Instant> received = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.Map<String, Instant> healthy = new java.util.concurrent.ConcurrentHashMap<>();
    Set<String> failedProofs = ConcurrentHashMap.newKeySet();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
      for (String n : stages) {
        Stage s = h.stage(n);
        String r = holds(s);
        OperatorHarness.condition(s, "Enforced").filter(c -> "False".equals(c.getStatus()))
            .ifPresent(c -> failedProofs.add(n + ": " + c.getMessage()));
        if (r != null && !r.equals(r1)) {
          received.putIfAbsent(n, Instant.now());
          if (healthyWith(s, r)) {
            healthy.putIfAbsent(n, Instant.now());
          }
        }
      }
      return healthy.size() == 3;
    });
    assertThat(failedProofs).as("no stage's proof failed on the way").isEmpty();
    for (int i = 1; i < 3; i++) {
      Duration waited = Duration.between(healthy.get(stages.get(i - 1)), received.get(stages.get(i)));
      assertThat(waited).as("%s waited for %s's soak, which began when its rollout ended", stages.get(i),
          stages.get(i - 1)).isGreaterThanOrEqualTo(Duration.ofSeconds(3)).isLessThan(Duration.ofSeconds(20));
    }
  }
}