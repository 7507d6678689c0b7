package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * The operator end to end on the real peers: the samples roll out, every account holds exactly
 * the rendered boundary, changes reach every account, bad input stalls without AWS writes,
 * conflicts hold both stages, suspend writes nothing, Retain deletes nothing.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StageRolloutTest {
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static EmulatorAdmin emulator;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    emulator = peers.emulator();
    emulator.setOperationTiming(0.3, 0);
    h = OperatorHarness.start(peers);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static List<String> prodAccounts() {
    List<String> all = new ArrayList<>(org.accountsIn("prod"));
    all.addAll(org.accountsIn("prod-eu"));
    return all;
  }

  private static void assertBoundaryHeldBy(String stageName, List<String> accounts) throws Exception {
    Stage stage = h.stage(stageName);
    BoundaryDocument doc = BoundaryDocument.render(stageName, h.renderedBoundary(stage), "aws");
    assertThat(stage.getStatus().revision()).isEqualTo(doc.revision());
    for (String account : accounts) {
      try (IamClient iam = h.aws().inAccount(account).iam()) {
        String arn = doc.policyArn(account);
        String version = iam.getPolicy(r -> r.policyArn(arn)).policy().defaultVersionId();
        JsonNode live = CanonicalPolicy.parse(iam.getPolicyVersion(r -> r.policyArn(arn)
            .versionId(version)).policyVersion().document());
        assertThat(CanonicalPolicy.sameDocument(live, doc.documentFor(account)))
            .as("boundary of %s in %s", stageName, account).isTrue();
      }
    }
  }

  private static boolean policyExists(String account, String policy) {
    try (IamClient iam = h.aws().inAccount(account).iam()) {
      iam.getPolicy(r -> r.policyArn("arn:aws:iam::" + account + ":policy/" + policy));
      return true;
    } catch (NoSuchEntityException e) {
      return false;
    }
  }

  @Test
  @Order(1)
  void theSamplesRollOutAndEveryAccountHoldsItsBoundary() throws Exception {
    emulator.clearCalls();
    h.applySample("organization.yaml");
    h.applySample("stage-dev.yaml");
    h.applySample("stage-beta.yaml");
    h.applySample("stage-prod.yaml");
    for (String s : List.of("dev", "beta", "prod")) {
      h.awaitReady(s);
    }
    // each account's first direct check asked for v1 of the policy the StackSet had just created:
    // one GetPolicyVersion, no GetPolicy to learn which version is the default (prod is Manual: its
    // plan asks GetPolicy before any write, whether the policy name is taken)
    java.util.Set<String> automatic = new java.util.HashSet<>(org.accountsIn("dev"));
    automatic.addAll(org.accountsIn("beta"));
    assertThat(emulator.calls()).filteredOn(c -> automatic.contains(c.account()))
        .extracting(EmulatorAdmin.Call::action).contains("GetPolicyVersion").doesNotContain("GetPolicy");
    AwsOrganization o = h.organization("main");
    assertThat(o.getStatus().organizationId()).isEqualTo("o-sbo1example");
    assertThat(o.getStatus().callerAccountId()).isEqualTo(org.delegatedAdminAccountId());

    assertBoundaryHeldBy("dev", org.accountsIn("dev"));
    assertBoundaryHeldBy("beta", org.accountsIn("beta"));
    assertBoundaryHeldBy("prod", prodAccounts());
    assertThat(policyExists(org.account("sandbox-experiments"), "developer-policy-dev")).isFalse();

    Stage prod = h.stage("prod");
    assertThat(prod.getStatus().accounts().targeted()).isEqualTo(prodAccounts().size());
    assertThat(prod.getStatus().accounts().boundaryCurrent()).isEqualTo(prodAccounts().size());
    assertThat(prod.getStatus().cdkContext())
        .isEqualTo("{\"@aws-cdk/core:permissionsBoundary\":{\"name\":\"developer-policy-prod\"}}");
    assertThat(prod.getStatus().stackSet().name()).isEqualTo("stage-boundary-prod");
    // the rollout succeeded; the drift detection that follows it may be running
    assertThat(prod.getStatus().stackSet().lastOperation()).satisfiesAnyOf(
        op -> assertThat(op.status()).isEqualTo("SUCCEEDED"),
        op -> assertThat(op.action()).isEqualTo("DETECT_DRIFT"));
    var reasons = h.client().v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> prod.getMetadata().getUid().equals(e.getInvolvedObject().getUid()))
        .map(e -> e.getReason()).toList();
    assertThat(reasons).contains("StackSetCreated", "OperationStarted", "OperationSucceeded");
    assertThat(h.stageAccounts("prod")).hasSize(prodAccounts().size()).allSatisfy(a -> {
      assertThat(a.getStatus().boundary().state()).isEqualTo(State.CURRENT);
      assertThat(a.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(r -> assertThat(r.getName()).isEqualTo("prod"));
    });
  }

  @Test
  @Order(2)
  void aNoOpResyncWritesNothing() {
    // a rollout that wrote every instance is not followed by StackSet drift detection (it comes an
    // interval later): the rollout is the StackSet's last operation
    await().atMost(Duration.ofSeconds(30)).until(() -> List.of("dev", "beta", "prod").stream().allMatch(s -> {
      Stage st = h.stage(s);
      return OperatorHarness.is(st, "Ready", "True")
          && !"DETECT_DRIFT".equals(st.getStatus().stackSet().lastOperation().action());
    }));
    // and let the status writes that follow it settle: no Stage changes for three seconds
    Map<String, String> versions = new HashMap<>();
    AtomicReference<Map<String, String>> previous =
        new AtomicReference<>(Map.of());
    await().pollInterval(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(60)).until(() -> {
      Map<String, String> now = new HashMap<>();
      for (String s : List.of("dev", "beta", "prod")) {
        now.put(s, h.stage(s).getMetadata().getResourceVersion());
      }
      return now.equals(previous.getAndSet(now));
    });
    versions.putAll(previous.get());
    Map<String, String> before = new HashMap<>();
    for (String s : List.of("dev", "beta", "prod")) {
      before.put(s, io.fabric8.kubernetes.client.utils.Serialization.asYaml(h.stage(s)));
    }
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    var watch = h.client().resources(Stage.class).withName("dev").watch(new io.fabric8.kubernetes.client.Watcher<Stage>() {
      @Override
      public void eventReceived(Action action, Stage st) {
        seen.add(st.getMetadata().getResourceVersion() + " " + (st.getStatus() == null ? "-" : st.getStatus().conditions()
            .stream().map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason()).toList()));
      }

      @Override
      public void onClose(io.fabric8.kubernetes.client.WatcherException e) {}
    });
    emulator.clearCalls();
    // a spec-less touch (a label) makes no new generation; force reconciles by restarting the operator
    h.stopOperator();
    h.startOperator();
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> List.of("dev", "beta", "prod").stream().allMatch(s -> OperatorHarness.is(h.stage(s), "Ready", "True")));
    assertThat(emulator.totalWrites()).isZero();
    // status is patched only when it changed: a resync that finds nothing new leaves it as it was
    for (String s : List.of("dev", "beta", "prod")) {
      String after = io.fabric8.kubernetes.client.utils.Serialization.asYaml(h.stage(s));
      assertThat(h.stage(s).getMetadata().getResourceVersion()).as("%s went through %s; before:%n%s%nafter:%n%s", s, seen, before.get(s), after)
          .isEqualTo(versions.get(s));
    }
  }

  @Test
  @Order(3)
  void aChangedStatementReachesEveryAccountAsANewRevision() throws Exception {
    String before = h.stage("prod").getStatus().revision();
    h.apply(sample("stage-prod.yaml").replace("\"kms:ScheduleKeyDeletion\", ",
        "\"kms:ScheduleKeyDeletion\", \"kms:DisableKey\", "));
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      Stage s = h.stage("prod");
      return OperatorHarness.is(s, "Ready", "True") && !before.equals(s.getStatus().revision());
    });
    assertBoundaryHeldBy("prod", prodAccounts());
    try (IamClient iam = h.aws().inAccount(prodAccounts().get(0)).iam()) {
      String arn = "arn:aws:iam::" + prodAccounts().get(0) + ":policy/developer-policy-prod";
      assertThat(iam.getPolicy(r -> r.policyArn(arn)).policy().defaultVersionId()).isEqualTo("v2");
    }
  }

  @Test
  @Order(4)
  void anInvalidBoundaryStallsWithAFixItMessageAndNoAwsWrite() {
    emulator.clearCalls();
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: broken}
        spec:
          organizationRef: {name: main}
          boundary:
            policyName: developer-policy-broken
            statements:
            - sid: Regions
              effect: Deny
              actions: ["ec2:*"]
              resources: ["*"]
              conditions:
                StringEqual: {"aws:RequestedRegion": [eu-west-1]}
          targets:
            organizationalUnits: [ou-sbo1-sandbox1]
            regions: [us-east-1]
        """);
    Stage s = h.awaitCondition("broken", "Stalled", "True", Duration.ofSeconds(20));
    assertThat(OperatorHarness.condition(s, "Stalled").get().getReason()).isEqualTo("InvalidBoundary");
    assertThat(OperatorHarness.condition(s, "Stalled").get().getMessage())
        .contains("'StringEqual' is not an IAM condition operator");
    assertThat(OperatorHarness.condition(s, "Ready").get().getStatus()).isEqualTo("False");

    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: lost}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-lost}
          targets:
            organizationalUnits: [ou-sbo1-nosuch01]
            accounts: ["123456789012"]
            regions: [us-east-1]
        """);
    Stage lost = h.awaitCondition("lost", "Stalled", "True", Duration.ofSeconds(20));
    assertThat(OperatorHarness.condition(lost, "Stalled").get().getMessage())
        .contains("ou-sbo1-nosuch01 is not an OU of organization o-sbo1example")
        .contains("123456789012 is the organization's management account");
    assertThat(emulator.totalWrites()).as("AWS writes for invalid stages").isZero();
    h.client().resources(Stage.class).withName("broken").delete();
    h.client().resources(Stage.class).withName("lost").delete();
  }

  @Test
  @Order(5)
  void overlappingStagesBothReportTheConflictAndWriteNothingThere() {
    emulator.clearCalls();
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: prod-eu-special}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-prod-eu}
          targets:
            organizationalUnits: [ou-sbo1-prodeu01]
            regions: [eu-west-1]
        """);
    Stage special = h.awaitCondition("prod-eu-special", "Conflict", "True", Duration.ofSeconds(30));
    Stage prod = h.awaitCondition("prod", "Conflict", "True", Duration.ofSeconds(30));
    for (String account : org.accountsIn("prod-eu")) {
      assertThat(OperatorHarness.condition(special, "Conflict").get().getMessage()).contains(account);
      assertThat(OperatorHarness.condition(prod, "Conflict").get().getMessage())
          .contains("Stage prod-eu-special also targets").contains(account);
      assertThat(policyExists(account, "developer-policy-prod-eu")).isFalse();
      assertThat(emulator.writesPerAccount()).doesNotContainKey(account);
    }
    assertThat(OperatorHarness.condition(prod, "Ready").get().getReason()).isEqualTo("Conflict");
    assertThat(h.stageAccounts("prod")).filteredOn(a -> org.accountsIn("prod-eu").contains(a.getSpec().accountId()))
        .allSatisfy(a -> assertThat(a.getStatus().boundary().state()).isEqualTo(State.CONFLICT));

    h.client().resources(Stage.class).withName("prod-eu-special").delete();
    h.awaitCondition("prod", "Conflict", "False", Duration.ofSeconds(30));
    h.awaitReady("prod");
  }

  @Test
  @Order(6)
  void aSuspendedStageWritesNothing() throws Exception {
    String revision = h.stage("dev").getStatus().revision();
    h.apply(sample("stage-dev.yaml").replace("  targets:", "  suspend: true\n  targets:")
        .replace("\"savingsplans:CreateSavingsPlan\"]", "\"savingsplans:CreateSavingsPlan\", \"guardduty:*\"]"));
    emulator.clearCalls();
    Stage s = h.awaitCondition("dev", "Ready", "False", Duration.ofSeconds(20));
    assertThat(OperatorHarness.condition(s, "Ready").get().getReason()).isEqualTo("Suspended");
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(emulator.totalWrites()).isZero();
    assertThat(s.getStatus().revision()).isNotEqualTo(revision);
    assertThat(s.getStatus().accounts().boundaryCurrent()).isZero();

    h.applySample("stage-dev.yaml");
    h.awaitReady("dev");
    assertBoundaryHeldBy("dev", org.accountsIn("dev"));
  }

  @Test
  @Order(7)
  void deletingAStageWithTheDefaultRetainPolicyDeletesNothingInAws() {
    emulator.clearCalls();
    h.client().resources(Stage.class).withName("beta").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> h.stage("beta") == null);
    assertThat(emulator.totalWrites()).isZero();
    for (String account : org.accountsIn("beta")) {
      assertThat(policyExists(account, "developer-policy-beta")).isTrue();
    }
    try (CloudFormationClient cfn = h.aws().assumeRole(org.operatorRoleArn()).cloudFormation()) {
      assertThat(cfn.describeStackSet(r -> r.stackSetName("stage-boundary-beta")
          .callAs(CallAs.DELEGATED_ADMIN)).stackSet().statusAsString()).isEqualTo("ACTIVE");
    }
    assertThat(h.stageAccounts("beta")).isEmpty();
  }

  @Test
  @Order(8)
  void deletingAStageWithDeletePolicyRemovesTheBoundaryThenTheStackSet() {
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: sandbox}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-sandbox}
          targets:
            organizationalUnits: [ou-sbo1-sandbox1]
            regions: [us-east-1]
          deletionPolicy: Delete
        """);
    h.awaitReady("sandbox");
    String account = org.account("sandbox-experiments");
    assertThat(policyExists(account, "developer-policy-sandbox")).isTrue();
    h.client().resources(Stage.class).withName("sandbox").delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.stage("sandbox") == null);
    assertThat(policyExists(account, "developer-policy-sandbox")).isFalse();
    try (CloudFormationClient cfn = h.aws().assumeRole(org.operatorRoleArn()).cloudFormation()) {
      assertThat(cfn.listStackSets(r -> r.callAs(CallAs.DELEGATED_ADMIN)).summaries())
          .noneMatch(x -> x.stackSetName().equals("stage-boundary-sandbox") && x.statusAsString().equals("ACTIVE"));
    }
  }

  @Test
  @Order(9)
  void deletingAnOrganizationThatStagesStillUseWaitsAndTouchesNothing() {
    Map<String, String> before = new HashMap<>();
    List<String> stages = h.client().resources(Stage.class).list().getItems().stream()
        .map(x -> x.getMetadata().getName()).toList();
    assertThat(stages).isNotEmpty();
    for (String s : stages) {
      before.put(s, OperatorHarness.condition(h.stage(s), "Ready").map(c -> c.getReason()).orElse("none"));
    }
    emulator.clearCalls();
    h.client().resources(AwsOrganization.class).withName("main").delete();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(h.organization("main").getStatus()
        .conditions()).anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Stalled");
          assertThat(c.getStatus()).isEqualTo("True");
          assertThat(c.getReason()).isEqualTo("InUse");
          assertThat(c.getMessage()).contains("dev").contains("delete them first");
        }));
    assertThat(h.organization("main").getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(emulator.totalWrites()).isZero();
    // the Stages carry on as before: the organisation still works while its deletion waits
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (String s : stages) {
        assertThat(OperatorHarness.condition(h.stage(s), "Ready").map(c -> c.getReason()).orElse("none")).as(s)
            .isEqualTo(before.get(s));
      }
    });
    assertThat(emulator.totalWrites()).isZero();
  }

  private static String sample(String file) throws Exception {
    return java.nio.file.Files.readString(OperatorHarness.REPO.resolve("samples").resolve(file));
  }

  static Optional<StageAccount> none() {
    return Optional.empty();
  }
}
