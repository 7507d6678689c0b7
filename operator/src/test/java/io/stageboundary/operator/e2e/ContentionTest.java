package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * Who may write what: two Stages never take turns rewriting one bootstrap stack, a stack of
 * another qualifier is not a Stage's to change, a resource someone keeps changing back is left
 * alone after a few repairs, accounts a conflict held back are taken over when it ends (the way
 * to rename a boundary), and a Stage for an OU created a moment ago does not wait minutes.
 */
@PeersExtension.WithPeers
class ContentionTest {
  private static final String REGION = "us-east-1";
  private static OperatorHarness h;
  private static SeededOrganization org;
  private static EmulatorAdmin emulator;
  private static AwsClients aws;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    emulator = peers.emulator();
    aws = peers.awsClients();
    h = OperatorHarness.startWithBootstrapped(peers, REGION, "beta-payments", "beta-search", "prod-payments",
        "dev-payments", "dev-search");
    h.client().resources(io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization.class).withName("main")
        .waitUntilCondition(o -> o.getStatus() != null && o.getStatus().organizationId() != null, 30,
            java.util.concurrent.TimeUnit.SECONDS);
  }

  @AfterEach
  void removeStages() {
    h.client().resources(Stage.class).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.client().resources(Stage.class).list().getItems().isEmpty());
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String stage(String name, String policy, String targets, String more) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: %s}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: %s}
          targets: %s
        %s
        """.formatted(name, policy, targets, more.indent(2).stripTrailing());
  }

  private static String accounts(String... names) {
    return "{accounts: [" + String.join(", ", List.of(names).stream().map(n -> "\"" + org.account(n) + "\"").toList())
        + "], regions: [" + REGION + "]}";
  }

  private static String boundaryParameter(String account) {
    return h.bootstrapParameters(account, REGION).get("InputPermissionsBoundary");
  }

  private static RegionBootstrap bootstrap(String stage, String account) {
    StageAccount a = h.client().resources(StageAccount.class).withName(stage + "." + account).get();
    return a == null || a.getStatus() == null || a.getStatus().bootstrap() == null ? null : a.getStatus().bootstrap().get(0);
  }

  @Test
  void twoStagesThatWouldWriteOneBootstrapStackConflictAndNeitherWritesIt() {
    String account = org.account("beta-payments");
    // other policy names and qualifiers, but the same stack: CDKToolkit in us-east-1
    h.apply(stage("alpha", "developer-policy-alpha", accounts("beta-payments"), ""));
    h.apply(stage("omega", "developer-policy-omega", accounts("beta-payments"), "bootstrap: {qualifier: custom1}"));
    for (String s : List.of("alpha", "omega")) {
      Stage st = h.awaitCondition(s, "Conflict", "True", Duration.ofSeconds(30));
      assertThat(OperatorHarness.condition(st, "Conflict").orElseThrow().getMessage())
          .contains(account).contains("bootstrap stack CDKToolkit in us-east-1");
    }
    emulator.clearCalls();
    await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(9)).until(() -> true);
    assertThat(h.stackWrites(account)).as("nobody takes turns rewriting the stack").isZero();

    h.client().resources(Stage.class).withName("omega").delete();
    h.awaitReady("alpha");
    assertThat(boundaryParameter(account)).isEqualTo("developer-policy-alpha");
  }

  @Test
  void aBootstrapStackOfAnotherQualifierIsReportedAndLeftAlone() {
    String account = org.account("beta-search");
    emulator.clearCalls();
    h.apply(stage("custom", "developer-policy-custom", accounts("beta-search"), "bootstrap: {qualifier: custom1}"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      RegionBootstrap b = bootstrap("custom", account);
      assertThat(b).isNotNull();
      assertThat(b.state()).isEqualTo(BootstrapState.FOREIGN);
      assertThat(b.message()).contains("Qualifier 'hnb659fds'").contains("'custom1'");
    });
    assertThat(OperatorHarness.condition(h.stage("custom"), "Bootstrapped").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(h.stackWrites(account)).isZero();
    assertThat(boundaryParameter(account)).isEmpty();
  }

  @Test
  void aStackSomeoneKeepsChangingBackIsLeftAloneAfterAFewRepairs() {
    String account = org.account("prod-payments");
    h.apply(stage("tug", "developer-policy-tug", accounts("prod-payments"),
        "driftCheckInterval: 2s\ndriftRemediation: Reconcile"));
    h.awaitReady("tug");
    int repairs = 0;
    for (int round = 0; round < 6 && !"ContestedByAnotherWriter".equals(bootstrapReason("tug", account)); round++) {
      clearBoundaryParameter(account);  // another writer, changing it back
      await().atMost(Duration.ofSeconds(20)).until(() -> "developer-policy-tug".equals(boundaryParameter(account))
          || "ContestedByAnotherWriter".equals(bootstrapReason("tug", account)));
      if ("developer-policy-tug".equals(boundaryParameter(account))) {
        repairs++;
      }
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> "ContestedByAnotherWriter".equals(bootstrapReason("tug", account)));
    // three writes an hour: the first bootstrap and two repairs; the third change is left alone
    assertThat(repairs).as("repaired a few times first").isEqualTo(2);
    assertThat(bootstrap("tug", account).message()).contains("changed back each time").contains("stops writing it");
    emulator.clearCalls();
    await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(7)).until(() -> true);
    assertThat(h.stackWrites(account)).as("the operator stopped fighting").isZero();
    assertThat(boundaryParameter(account)).isEmpty();
    assertThat(h.client().v1().events().inNamespace("default").list().getItems()).extracting(Event::getReason)
        .contains("ContestedByAnotherWriter");
    assertThat(OperatorHarness.condition(h.stage("tug"), "InSync").orElseThrow().getMessage())
        .contains("ContestedByAnotherWriter");
  }

  private static String bootstrapReason(String stage, String account) {
    RegionBootstrap b = bootstrap(stage, account);
    return b == null ? null : b.driftReason();
  }

  private static void clearBoundaryParameter(String account) {
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(REGION)) {
      List<Parameter> params = new ArrayList<>();
      cfn.describeStacks(r -> r.stackName("CDKToolkit")).stacks().get(0).parameters().forEach(p -> params.add(
          p.parameterKey().equals("InputPermissionsBoundary")
              ? Parameter.builder().parameterKey(p.parameterKey()).parameterValue("").build()
              : Parameter.builder().parameterKey(p.parameterKey()).usePreviousValue(true).build()));
      cfn.updateStack(r -> r.stackName("CDKToolkit").usePreviousTemplate(true).parameters(params)
          .capabilities(Capability.CAPABILITY_NAMED_IAM));
    }
  }

  /** The documented way to rename a boundary: a new Stage, then the old one deleted with Retain. */
  @Test
  void accountsAConflictHeldBackAreTakenOverWhenItEndsAndTheRoleNeverPointsAtAMissingPolicy() throws Exception {
    String payments = org.account("dev-payments");
    h.apply(stage("old", "developer-policy-old", "{organizationalUnits: [" + org.ou("dev") + "], regions: [us-east-1]}", ""));
    h.awaitReady("old");
    h.apply(stage("renamed", "developer-policy-new", "{organizationalUnits: [" + org.ou("dev") + "], regions: [us-east-1]}",
        ""));
    h.awaitCondition("renamed", "Conflict", "True", Duration.ofSeconds(30));
    AtomicBoolean watching = new AtomicBoolean(true);
    List<String> dangling = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread watcher = new Thread(() -> {
      while (watching.get()) {
        String arn = executionRoleBoundary(payments);
        if (arn != null && !policyExists(payments, arn)) {
          dangling.add(arn);
        }
      }
    });
    watcher.start();
    try {
      h.client().resources(Stage.class).withName("old").delete();
      h.awaitCondition("renamed", "Ready", "True", Duration.ofSeconds(45));
    } finally {
      watching.set(false);
      watcher.join();
    }
    assertThat(h.stageAccounts("renamed")).allSatisfy(a -> assertThat(a.getStatus().boundary().driftReason())
        .as("targeted all along: not an account that joined later").isNull());
    assertThat(boundaryParameter(payments)).isEqualTo("developer-policy-new");
    assertThat(executionRoleBoundary(payments)).isEqualTo("arn:aws:iam::" + payments + ":policy/developer-policy-new");
    assertThat(dangling).as("the execution role never named a policy that did not exist").isEmpty();
    assertThat(policyExists(payments, "arn:aws:iam::" + payments + ":policy/developer-policy-old"))
        .as("deletionPolicy Retain kept the old boundary").isTrue();
  }

  private static String executionRoleBoundary(String account) {
    try (IamClient iam = aws.inAccount(account).iam()) {
      var b = iam.getRole(r -> r.roleName("cdk-hnb659fds-cfn-exec-role-" + account + "-" + REGION)).role()
          .permissionsBoundary();
      return b == null ? null : b.permissionsBoundaryArn();
    }
  }

  private static boolean policyExists(String account, String arn) {
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.getPolicy(r -> r.policyArn(arn));
      return true;
    } catch (NoSuchEntityException e) {
      return false;
    }
  }

  @Test
  void aStageForAnOuCreatedAMomentAgoIsReadyInSecondsNotAtTheNextRefresh() {
    // a Stage naming an unknown OU makes the operator read the organisation now: the snapshot
    // is fresh when the new OU is created right after
    h.apply(stage("typo", "developer-policy-typo", "{organizationalUnits: [ou-sbo1-missing1], regions: [us-east-1]}", ""));
    Stage typo = h.awaitCondition("typo", "Stalled", "True", Duration.ofSeconds(20));
    assertThat(OperatorHarness.condition(typo, "Stalled").orElseThrow().getMessage()).contains("check the id");
    String ou;
    String sandbox = org.account("sandbox-experiments");
    try (OrganizationsClient orgs = aws.organizations()) {
      ou = orgs.createOrganizationalUnit(r -> r.parentId(org.rootId()).name("fresh")).organizationalUnit().id();
      orgs.moveAccount(r -> r.accountId(sandbox).sourceParentId(org.ou("sandbox")).destinationParentId(ou));
    }
    h.apply(stage("fresh", "developer-policy-fresh", "{organizationalUnits: [" + ou + "], regions: [us-east-1]}",
        "bootstrap: {enabled: false}"));
    h.awaitCondition("fresh", "Ready", "True", Duration.ofSeconds(40));
    assertThat(h.stage("fresh").getStatus().accounts().targeted()).isEqualTo(1);
  }
}
