package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.testenv.KubePeer;
import io.stageboundary.testenv.KubePeer.KubectlResult;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a user does with kubectl works against the real API server: apply the samples, wait for
 * Ready, see the printer columns, read field docs with kubectl explain.
 */
@PeersExtension.WithPeers
class KubectlTest {
  private static OperatorHarness h;
  private static KubePeer kube;

  @BeforeAll
  static void start(Peers peers) {
    peers.emulator().setOperationTiming(0.3, 0);
    h = OperatorHarness.start(peers);
    kube = peers.kube();
    kube.kubectl("apply", "-f", OperatorHarness.REPO.resolve("samples/organization.yaml").toString());
    kube.kubectl("apply", "-f", OperatorHarness.REPO.resolve("samples/boundary-rules.yaml").toString());
    kube.kubectl("apply", "-f", OperatorHarness.REPO.resolve("samples/stage-dev.yaml").toString());
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void kubectlWaitForReadyReturnsOnceTheStageIsReady() {
    KubectlResult r = kube.tryKubectl("wait", "--for=condition=Ready", "stage/dev", "--timeout=120s");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("stage.iam.stageboundary.io/dev condition met");
    assertThat(OperatorHarness.is(h.stage("dev"), "Ready", "True")).isTrue();
    // the organisation is waited for the same way
    assertThat(kube.kubectl("wait", "--for=condition=Ready", "awsorganization/main", "--timeout=10s"))
        .contains("condition met");
  }

  @Test
  void kubectlWaitTimesOutOnAStageThatCannotBecomeReady() {
    h.apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: unreachable}
        spec:
          organizationRef: {name: no-such-organization}
          boundary:
            policyName: developer-policy-unreachable
            statements:
            - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
          targets:
            organizationalUnits: [ou-sbo1-dev00001]
            regions: [us-east-1]
        """);
    KubectlResult stalled = kube.tryKubectl("wait", "--for=condition=Stalled", "stage/unreachable", "--timeout=60s");
    assertThat(stalled.exitCode()).as(stalled.output()).isZero();
    KubectlResult ready = kube.tryKubectl("wait", "--for=condition=Ready", "stage/unreachable", "--timeout=3s");
    assertThat(ready.exitCode()).isNotZero();
    assertThat(ready.output()).contains("timed out");
    assertThat(kube.kubectl("get", "stage", "unreachable", "-o", "jsonpath={.status.conditions[?(@.type==\"Stalled\")].message}"))
        .contains("AwsOrganization 'no-such-organization' does not exist");
  }

  @Test
  void kubectlGetShowsThePrinterColumns() {
    kube.kubectl("wait", "--for=condition=Ready", "stage/dev", "--timeout=120s");
    String table = kube.kubectl("get", "stages");
    assertThat(table.lines().findFirst().orElseThrow())
        .contains("NAME", "READY", "POLICY", "TARGETED", "CURRENT", "BOOTSTRAPPED", "DRIFTED", "AGE");
    assertThat(kube.kubectl("get", "stages", "-o", "wide").lines().findFirst().orElseThrow()).contains("REASON");
    assertThat(table).containsPattern("dev\\s+True\\s+developer-policy-dev\\s+3\\s+3\\s+");
    String accounts = kube.kubectl("get", "stageaccounts", "-l", "iam.stageboundary.io/stage=dev");
    assertThat(accounts.lines().count()).isEqualTo(4);
    assertThat(accounts).contains("dev.200000000001").contains("CURRENT");
  }

  @Test
  void kubectlExplainDescribesTheFields() {
    assertThat(kube.kubectl("explain", "stage.spec.driftRemediation"))
        .contains("Report").contains("Reconcile");
    assertThat(kube.kubectl("explain", "stage.spec.deletionPolicy")).contains("Retain").contains("Delete");
    assertThat(kube.kubectl("explain", "awsorganization.spec.callAs")).contains("DELEGATED_ADMIN");
    assertThat(kube.kubectl("explain", "stageaccount.status.boundary.driftReason")).contains("PolicyModified");
  }
}
