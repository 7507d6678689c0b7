package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.stageboundary.operator.app.StageBoundaryOperator;
import io.stageboundary.operator.app.OperatorSettings;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two replicas with leader election: the Lease names one holder, only it reconciles, and when it
 * stops the other takes over and finishes the work.
 */
@PeersExtension.WithPeers
class LeaderElectionTest {
  private static OperatorHarness h;
  private static Peers peers;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    p.emulator().setOperationTiming(0.3, 0);
    h = OperatorHarness.start(p);
    h.stopOperator();  // this test runs its own two replicas
  }

  @AfterAll
  static void stop() {
    h.startOperator();
    h.close();
  }

  private static StageBoundaryOperator replica(String identity) {
    OperatorSettings s = OperatorHarness.settings(peers).withLeaderElection(
        new OperatorSettings.LeaderElection(true, "stage-boundary-operator", "default", identity, false));
    return StageBoundaryOperator.start(peers.kubeClient(), s, null);
  }

  private static String holder() {
    Lease lease = peers.kubeClient().leases().inNamespace("default").withName("stage-boundary-operator").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** Which replicas wrote to AWS for a stage: every AWS write is an event naming its reporter. */
  private static java.util.Set<String> eventReporters(String stage) {
    String uid = h.stage(stage).getMetadata().getUid();
    return peers.kubeClient().v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> uid.equals(e.getInvolvedObject().getUid()))
        .map(io.fabric8.kubernetes.api.model.Event::getReportingInstance)
        .collect(java.util.stream.Collectors.toSet());
  }

  @Test
  void onlyTheLeaderReconcilesAndTheOtherTakesOverWhenItGoes() {
    StageBoundaryOperator a = replica("replica-a");
    await().atMost(Duration.ofSeconds(20)).until(() -> "replica-a".equals(holder()));
    StageBoundaryOperator b = replica("replica-b");
    try {
      h.applySample("organization.yaml");
      h.applySample("stage-dev.yaml");
      h.awaitReady("dev");
      assertThat(holder()).isEqualTo("replica-a");
      assertThat(eventReporters("dev")).containsExactly("replica-a");
      // a follower is ready too: a rolling update (maxUnavailable 0) must not wait for leadership
      assertThat(a.healthy()).isTrue();
      assertThat(b.healthy()).as("follower ready").isTrue();

      // the leader goes away while a StackSet operation of prod is in flight
      peers.emulator().setOperationTiming(4.0, 0);
      h.applySample("stage-prod.yaml");
      // prod is Manual: its plan is approved first (the harness approves prod's plans)
      await().atMost(Duration.ofSeconds(60)).until(() -> OperatorHarness.operationRunning(h.stage("prod")));
      String inFlight = h.stage("prod").getStatus().stackSet().lastOperation().id();
      a.close();
      // replica-a stopped without releasing: b takes the Lease once it expires, and finishes prod
      await().atMost(Duration.ofSeconds(60)).until(() -> "replica-b".equals(holder()));
      h.awaitCondition("prod", "Ready", "True", Duration.ofSeconds(60));
      try (var cfn = h.aws().assumeRole(peers.organization().operatorRoleArn()).cloudFormation()) {
        assertThat(cfn.listStackSetOperations(r -> r.stackSetName("stage-boundary-prod")
            .callAs(software.amazon.awssdk.services.cloudformation.model.CallAs.DELEGATED_ADMIN)).summaries().stream()
            .filter(o -> !"DETECT_DRIFT".equals(o.actionAsString())).map(o -> o.operationId()).toList())
            .containsExactly(inFlight);
      }
      peers.emulator().setOperationTiming(0.3, 0);
      h.applySample("stage-beta.yaml");
      h.awaitCondition("beta", "Ready", "True", Duration.ofSeconds(60));
      assertThat(eventReporters("beta")).containsExactly("replica-b");
    } finally {
      a.close();
      b.close();
    }
  }
}
