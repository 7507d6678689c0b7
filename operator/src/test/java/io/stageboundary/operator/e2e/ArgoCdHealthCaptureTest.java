package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryException;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.argocd.ArgoCdHealth;
import io.stageboundary.operator.kube.ConditionReason;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The Argo CD health checks in deploy/argocd, run by gopher-lua over the objects the operator
 * really writes, in each situation a user meets: no status yet, progressing, healthy, suspended,
 * degraded. With -Dsbo.argocd.record=true (hack/update-argocd.sh --capture) the captured objects
 * become the checks' committed testdata and health_test.yaml.
 */
@PeersExtension.WithPeers
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArgoCdHealthCaptureTest {
  private static final Path CHECKS = OperatorHarness.REPO.resolve("deploy/argocd/iam.stageboundary.io");
  private static final boolean RECORD = Boolean.getBoolean("sbo.argocd.record");
  private static final Duration SOON = Duration.ofSeconds(60);
  private static final Map<String, Map<String, ArgoCdHealth.Status>> SEEN = new TreeMap<>();
  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .disable(YAMLGenerator.Feature.SPLIT_LINES).build());
  private static OperatorHarness h;
  private static Peers peers;
  private static SeededOrganization org;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    org = peers.organization();
    h = OperatorHarness.start(peers);
    h.stopOperator();
  }

  @AfterAll
  static void stop() throws IOException {
    if (h != null) {
      h.close();
    }
    if (RECORD) {
      for (var kind : SEEN.entrySet()) {
        StringBuilder y = new StringBuilder("# Captured from the operator's real output by ArgoCdHealthCaptureTest\n"
            + "# (hack/update-argocd.sh --capture).\ntests:\n");
        kind.getValue().forEach((name, status) -> y.append("- healthStatus:\n")
            .append("    status: ").append(status.status()).append('\n')
            .append("    message: ").append(Serialization.asJson(status.message())).append('\n')
            .append("  inputPath: testdata/").append(name).append(".yaml\n"));
        Files.writeString(CHECKS.resolve(kind.getKey()).resolve("health_test.yaml"), y.toString());
      }
    }
  }

  @Test
  @Order(1)
  void beforeTheOperatorHasSeenThem() {
    h.apply(OperatorHarness.read("samples/organization.yaml").replace("refreshInterval: 30m", "refreshInterval: 1s"));
    h.apply(stage("dev", "Report", false).replace("ou-sbo1-dev00001", "ou-sbo1-beta0001"));
    expect("AwsOrganization", "main", "no-status", "Progressing");
    expect("Stage", "dev", "no-status", "Progressing");
  }

  @Test
  @Order(2)
  void whileTheRolloutRuns() {
    peers.emulator().setOperationTiming(3.0, 0);
    h.startOperator();
    await().atMost(SOON).until(() -> {
      Stage s = h.stage("dev");
      return s.getStatus() != null && OperatorHarness.condition(s, "Reconciling")
          .map(c -> "True".equals(c.getStatus()) && ConditionReason.OperationRunning.name().equals(c.getReason())).orElse(false)
          && s.getStatus().observedGeneration() == s.getMetadata().getGeneration();
    });
    expect("Stage", "dev", "progressing", "Progressing");
    await().atMost(SOON).until(() -> h.stageAccounts("dev").stream().anyMatch(a -> a.getStatus() != null
        && a.getStatus().boundary() != null && a.getStatus().boundary().state() != State.CURRENT));
    StageAccount pending = h.stageAccounts("dev").stream().filter(a -> a.getStatus() != null
        && a.getStatus().boundary() != null && a.getStatus().boundary().state() != State.CURRENT).findFirst().orElseThrow();
    expect("StageAccount", pending.getMetadata().getName(), "boundary-pending", "Progressing");
  }

  @Test
  @Order(3)
  void onceEverythingIsDeployed() {
    h.awaitReady("dev");
    peers.emulator().setOperationTiming(0.2, 0);
    expect("Stage", "dev", "healthy", "Healthy");
    expect("AwsOrganization", "main", "healthy", "Healthy");
    StageAccount one = h.stageAccounts("dev").get(0);
    expect("StageAccount", one.getMetadata().getName(), "healthy-not-bootstrapped", "Healthy");
  }

  @Test
  @Order(4)
  void whenAStageIsSuspended() {
    h.apply(stage("dev", "Report", true).replace("ou-sbo1-dev00001", "ou-sbo1-beta0001"));
    await().atMost(SOON).until(() -> {
      Stage s = h.stage("dev");
      return s.getStatus().observedGeneration() == s.getMetadata().getGeneration()
          && OperatorHarness.condition(s, "Ready").map(c -> ConditionReason.Suspended.name().equals(c.getReason())).orElse(false);
    });
    expect("Stage", "dev", "suspended", "Suspended");
    h.apply(stage("dev", "Report", false).replace("ou-sbo1-dev00001", "ou-sbo1-beta0001"));
    h.awaitReady("dev");
  }

  @Test
  @Order(5)
  void whenTheManifestCannotBeActedOn() {
    h.apply(stage("orphan", "Report", false).replace("name: main", "name: nowhere"));
    h.awaitCondition("orphan", "Stalled", "True", SOON);
    expect("Stage", "orphan", "degraded-stalled", "Degraded");
    h.apply("""
        apiVersion: v1
        kind: Namespace
        metadata: {name: sbo-system}
        """);
    h.apply(OperatorHarness.read("samples/organization.yaml").replace("name: main", "name: keyless")
        .replace("source: Default", "source: Secret\n    secretRef: {namespace: sbo-system, name: no-such-secret}"));
    await().atMost(SOON).until(() -> {
      var o = h.organization("keyless");
      return o.getStatus() != null && o.getStatus().conditions() != null && o.getStatus().conditions().stream()
          .anyMatch(c -> "Stalled".equals(c.getType()) && "True".equals(c.getStatus()));
    });
    expect("AwsOrganization", "keyless", "degraded-credentials", "Degraded");
    h.client().resource(h.stage("orphan")).delete();
    h.client().resource(h.organization("keyless")).delete();
  }

  @Test
  @Order(6)
  void whenAnAccountDriftsAndTheStageOnlyReports() {
    h.apply(stage("bootstrapped", "Report", false, true));
    h.awaitReady("bootstrapped");
    String account = org.account("dev-payments");
    String name = "bootstrapped." + account;
    StageAccount a = h.client().resources(StageAccount.class).withName(name).get();
    assertThat(a.getStatus().bootstrapState()).isEqualTo(BootstrapState.CURRENT);
    expect("StageAccount", name, "healthy-bootstrapped", "Healthy");
    try (IamClient iam = h.aws().inAccount(account).iam()) {
      iam.createPolicyVersion(r -> r.policyArn("arn:aws:iam::" + account + ":policy/developer-policy-bootstrapped")
          .setAsDefault(true).policyDocument(
              "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
    }
    await().atMost(SOON).until(() -> State.DRIFTED == h.client().resources(StageAccount.class).withName(name).get()
        .getStatus().boundary().state());
    expect("StageAccount", name, "degraded-drifted", "Degraded");
    h.awaitCondition("bootstrapped", "InSync", "False", SOON);
    expect("Stage", "bootstrapped", "degraded-drifted", "Degraded");
  }

  @Test
  @Order(7)
  void whenAPlanWaitsForApproval() {
    h.apply(stage("approval", "Report", false).replace("ou-sbo1-dev00001", "ou-sbo1-sandbox1")
        + "  rollout: {approval: Manual}\n");
    h.awaitCondition("approval", "Reconciling", "True", SOON);
    await().atMost(SOON).until(() -> OperatorHarness.condition(h.stage("approval"), "Reconciling")
        .map(c -> ConditionReason.AwaitingApproval.name().equals(c.getReason())).orElse(false));
    expect("Stage", "approval", "suspended-awaiting-approval", "Suspended");
  }

  @Test
  @Order(8)
  void whileAnExceptionIsJudgedGrantedRefusedOrWaits() {
    String expires = java.time.Instant.now().plus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        .toString();
    h.apply(exception("nowhere", "no-such-stage", org.account("beta-payments"), "DenyModifyingConfig", expires));
    expect("BoundaryException", "nowhere", "no-status", "Progressing");
    h.apply(exception("config-rules", "dev", org.account("beta-payments"), "DenyModifyingConfig", expires));
    awaitPhase("config-rules", BoundaryExceptionStatus.Phase.Active);
    expect("BoundaryException", "config-rules", "healthy-active", "Healthy");
    h.apply(exception("unknown-sid", "dev", org.account("beta-payments"), "DenyNothingOfThatName", expires));
    awaitPhase("unknown-sid", BoundaryExceptionStatus.Phase.Refused);
    expect("BoundaryException", "unknown-sid", "degraded-refused", "Degraded");
    // the Manual stage of the case before: approve its own plan, then an exception waits for one of its own
    Stage manual = h.stage("approval");
    manual.getMetadata().setAnnotations(Map.of("iam.stageboundary.io/approve", manual.getStatus().plan().id()));
    manual.getMetadata().setManagedFields(null);
    h.client().resource(manual).update();
    h.awaitReady("approval");
    h.apply(exception("waits", "approval", org.account("sandbox-experiments"), "DenyModifyingConfig", expires));
    awaitPhase("waits", BoundaryExceptionStatus.Phase.AwaitingApproval);
    expect("BoundaryException", "waits", "suspended-awaiting-approval", "Suspended");
  }

  private static void awaitPhase(String name, BoundaryExceptionStatus.Phase phase) {
    await().atMost(SOON).until(() -> {
      BoundaryException e = h.client().resources(BoundaryException.class).withName(name).get();
      return e.getStatus() != null && e.getStatus().phase() == phase;
    });
  }

  private static String exception(String name, String stage, String account, String sid, String expires) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: BoundaryException
        metadata: {name: %s}
        spec:
          stage: %s
          accounts: ["%s"]
          statements: [%s]
          reason: the data team sets up AWS Config rules
          ticket: SEC-1234
          approvedBy: security@example.com
          expiresAt: "%s"
        """.formatted(name, stage, account, sid, expires);
  }

  private static String stage(String name, String remediation, boolean suspend) {
    return stage(name, remediation, suspend, false);
  }

  private static String stage(String name, String remediation, boolean suspend, boolean createIfMissing) {
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
          targets:
            organizationalUnits: [ou-sbo1-dev00001]
            regions: [us-east-1]
          bootstrap: {createIfMissing: %s}
          driftCheckInterval: 2s
          driftRemediation: %s
          suspend: %s
        """.formatted(name, name, createIfMissing, remediation, suspend);
  }

  /** Captures the object as it is now, runs its health check over it, checks the status. */
  private static void expect(String kind, String name, String situation, String status) {
    GenericKubernetesResource obj = h.client().genericKubernetesResources("iam.stageboundary.io/v1alpha1", kind)
        .withName(name).get();
    assertThat(obj).as("%s %s", kind, name).isNotNull();
    ObjectMeta m = obj.getMetadata();
    m.setManagedFields(null);
    m.setUid(null);
    m.setResourceVersion(null);
    m.setCreationTimestamp(null);
    m.setOwnerReferences(m.getOwnerReferences() == null ? null : m.getOwnerReferences().stream()
        .peek(o -> o.setUid("00000000-0000-0000-0000-000000000000")).toList());
    try {
      Path captured = Path.of("target/argocd-captures", kind, situation + ".yaml");
      Files.createDirectories(captured.getParent());
      Files.writeString(captured, YAML.writeValueAsString(obj));
      ArgoCdHealth.Status got = ArgoCdHealth.eval(CHECKS.resolve(kind).resolve("health.lua"), captured);
      assertThat(got.status()).as("%s %s (%s): %s, captured in %s", kind, name, situation, got, captured)
          .isEqualTo(status);
      assertThat(got.message()).isNotBlank();
      SEEN.computeIfAbsent(kind, k -> new LinkedHashMap<>()).put(situation, got);
      if (RECORD) {
        Files.copy(captured, CHECKS.resolve(kind).resolve("testdata").resolve(situation + ".yaml"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

}
