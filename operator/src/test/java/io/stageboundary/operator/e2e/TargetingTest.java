package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationSummary;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * Targets beyond OUs (extra accounts, exclusions, targets that change), operation preferences,
 * and how an AwsOrganization is reached (callAs checked against the identity, Secret credentials).
 */
@PeersExtension.WithPeers
class TargetingTest {
  private static OperatorHarness h;
  private static SeededOrganization org;

  @BeforeAll
  static void start(Peers peers) {
    org = peers.organization();
    peers.emulator().setOperationTiming(0.3, 0);
    h = OperatorHarness.start(peers);
    h.applySample("organization.yaml");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static boolean holds(String account, String policy) {
    try (IamClient iam = h.aws().inAccount(account).iam()) {
      iam.getPolicy(r -> r.policyArn("arn:aws:iam::" + account + ":policy/" + policy));
      return true;
    } catch (NoSuchEntityException e) {
      return false;
    }
  }

  private static String stage(String targets, String rollout) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: mixed}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-mixed}
          targets:
        %s
            regions: [us-east-1]
          rollout: %s
        """.formatted(targets.indent(4).stripTrailing(), rollout);
  }

  @Test
  void accountsExclusionsAndChangingTargetsDecideExactlyWhichAccountsHoldTheBoundary() {
    String devData = org.account("dev-data");
    String sandbox = org.account("sandbox-experiments");
    h.apply(stage("""
        organizationalUnits: [ou-sbo1-dev00001]
        accounts: ["%s"]
        excludeAccounts: ["%s"]""".formatted(sandbox, devData),
        "{maxConcurrentPercentage: 50, failureTolerancePercentage: 10}"));
    h.awaitReady("mixed");
    assertThat(holds(org.account("dev-payments"), "developer-policy-mixed")).isTrue();
    assertThat(holds(org.account("dev-search"), "developer-policy-mixed")).isTrue();
    assertThat(holds(sandbox, "developer-policy-mixed")).isTrue();
    assertThat(holds(devData, "developer-policy-mixed")).isFalse();
    assertThat(h.stage("mixed").getStatus().accounts().targeted()).isEqualTo(3);

    try (CloudFormationClient cfn = h.aws().assumeRole(org.operatorRoleArn()).cloudFormation()) {
      StackSetOperationSummary op = cfn.listStackSetOperations(r -> r.stackSetName("stage-boundary-mixed")
          .callAs(CallAs.DELEGATED_ADMIN)).summaries().get(0);
      assertThat(op.operationPreferences().maxConcurrentPercentage()).isEqualTo(50);
      assertThat(op.operationPreferences().failureTolerancePercentage()).isEqualTo(10);
    }

    // the sandbox account leaves the stage: it is released from the StackSet but, with the default
    // deletionPolicy Retain, its policy stays; nobody else's is touched
    h.apply(stage("""
        organizationalUnits: [ou-sbo1-dev00001]
        excludeAccounts: ["%s"]""".formatted(devData), "{maxConcurrentPercentage: 50}"));
    await().atMost(Duration.ofSeconds(30)).until(() -> instanceAccounts("stage-boundary-mixed").size() == 2
        && OperatorHarness.is(h.stage("mixed"), "Ready", "True"));
    assertThat(holds(sandbox, "developer-policy-mixed")).isTrue();
    assertThat(instanceAccounts("stage-boundary-mixed")).doesNotContain(sandbox);
    assertThat(h.stageAccounts("mixed")).extracting(a -> a.getSpec().accountId())
        .containsExactlyInAnyOrder(org.account("dev-payments"), org.account("dev-search"));
  }

  @Test
  void withDeletePolicyAnAccountThatLeavesLosesItsPolicy() {
    String sandbox = org.account("sandbox-experiments");
    String beta = org.account("beta-payments");
    String yaml = """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: leaving}
        spec:
          organizationRef: {name: main}
          boundary: {policyName: developer-policy-leaving}
          targets: {accounts: [%s], regions: [us-east-1]}
          deletionPolicy: Delete
        """;
    h.apply(yaml.formatted("\"" + sandbox + "\", \"" + beta + "\""));
    h.awaitReady("leaving");
    assertThat(holds(sandbox, "developer-policy-leaving")).isTrue();
    h.apply(yaml.formatted("\"" + beta + "\""));
    await().atMost(Duration.ofSeconds(30)).until(() -> !holds(sandbox, "developer-policy-leaving")
        && OperatorHarness.is(h.stage("leaving"), "Ready", "True"));
    assertThat(holds(beta, "developer-policy-leaving")).isTrue();
  }

  private static java.util.List<String> instanceAccounts(String stackSet) {
    try (CloudFormationClient cfn = h.aws().assumeRole(org.operatorRoleArn()).cloudFormation()) {
      return cfn.listStackInstances(r -> r.stackSetName(stackSet).callAs(CallAs.DELEGATED_ADMIN)).summaries()
          .stream().map(i -> i.account()).toList();
    }
  }

  @Test
  void anOrganizationWhoseIdentityDoesNotMatchCallAsIsStalledWithTheFix() {
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: AwsOrganization
        metadata: {name: mismatched}
        spec:
          region: us-east-1
          callAs: SELF
          credentials: {roleArn: "arn:aws:iam::111111111111:role/stage-boundary-operator"}
        """);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      AwsOrganization o = h.organization("mismatched");
      assertThat(o.getStatus()).isNotNull();
      assertThat(o.getStatus().conditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Stalled");
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getMessage()).contains("set callAs to DELEGATED_ADMIN");
      });
    });
  }

  @Test
  void staticKeysFromASecretWork() {
    h.client().secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata()
        .withName("aws-keys").endMetadata()
        .withStringData(Map.of("accessKeyId", AwsClients.ACCESS_KEY_ID,
            "secretAccessKey", AwsClients.SECRET_ACCESS_KEY)).build()).serverSideApply();
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: AwsOrganization
        metadata: {name: from-secret}
        spec:
          region: us-east-1
          callAs: SELF
          credentials: {source: Secret, secretRef: {namespace: default, name: aws-keys}}
        """);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      AwsOrganization o = h.organization("from-secret");
      assertThat(o.getStatus()).isNotNull();
      assertThat(o.getStatus().callerAccountId()).isEqualTo(org.managementAccountId());
      assertThat(o.getStatus().conditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Ready");
        assertThat(c.getStatus()).isEqualTo("True");
      });
    });
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: AwsOrganization
        metadata: {name: missing-secret}
        spec:
          region: us-east-1
          credentials: {source: Secret, secretRef: {namespace: default, name: nope}}
        """);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      AwsOrganization o = h.organization("missing-secret");
      assertThat(o.getStatus()).as("status written").isNotNull();
      assertThat(o.getStatus().conditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Stalled");
        assertThat(c.getMessage()).contains("Secret default/nope named in spec.credentials.secretRef does not exist");
      });
    });
  }
}
