package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.EmulatorAdmin.Fault;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Recognisable fake credentials, handed to the operator through a Secret, never show up in its
 * logs (at the most verbose level its own loggers have), in events, or in any status — not on
 * the happy path, and not when AWS calls fail.
 */
@PeersExtension.WithPeers
class NoLeakTest {
  static final String KEY_ID = "SBOCANARYKEYID7LEAK42";
  static final String SECRET = "sboCanarySecret/DoNotLeak+0123456789abcdefgh";
  static final String TOKEN = "sboCanarySessionTokenDoNotLeak0123456789";
  private static OperatorHarness h;
  private static Peers peers;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    p.emulator().setOperationTiming(0.2, 0);
    TestLogging.startCapture();
    h = OperatorHarness.start(p);
  }

  @AfterAll
  static void stop() {
    TestLogging.stopCapture();
    h.close();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void credentialsNeverAppearInLogsEventsOrStatus() {
    h.apply("""
        apiVersion: v1
        kind: Secret
        metadata: {name: canary-keys, namespace: default}
        data: {accessKeyId: %s, secretAccessKey: %s, sessionToken: %s}
        """.formatted(b64(KEY_ID), b64(SECRET), b64(TOKEN)));
    h.apply(OperatorHarness.read("samples/organization.yaml")
        .replace("source: Default", "source: Secret\n    secretRef: {namespace: default, name: canary-keys}"));
    h.apply(OperatorHarness.read("samples/boundary-rules.yaml"));
    h.apply(OperatorHarness.read("samples/stage-dev.yaml").replace("    regions: [us-east-1]",
        "    regions: [us-east-1]\n  driftCheckInterval: 2s"));
    h.awaitReady("dev");
    // failures on the way: refused and throttled calls, an unreachable service, a bad target
    EmulatorAdmin emulator = peers.emulator();
    emulator.addFault(new Fault("unavailable", "cloudformation", "DescribeStacks", null, 1.0, null, null, "AccessDenied"));
    emulator.addFault(Fault.throttle("iam", null, 0.5));
    emulator.addFault(Fault.unavailable("organizations", 1.0));
    h.apply(OperatorHarness.read("samples/stage-beta.yaml").replace("ou-sbo1-beta0001", "ou-sbo1-nothere1"));
    h.apply(OperatorHarness.read("samples/stage-prod.yaml"));
    h.approvePlansOf("prod");  // prod is Manual
    await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(30)).until(() -> true);
    emulator.clearFaults();
    h.awaitReady("prod");

    String logs = TestLogging.stopCapture();
    String events = peers.kube().kubectl("get", "events", "--all-namespaces", "-o", "yaml");
    String objects = peers.kube().kubectl("get", "awsorganizations,boundaryrules,stages,stageaccounts", "-o", "yaml");
    assertThat(logs).as("captured logs").contains("stage dev").contains("StackSet");
    assertThat(events).contains("StackSetCreated");
    assertThat(objects).contains("developer-policy-prod");
    for (String secret : List.of(KEY_ID, SECRET, TOKEN, b64(KEY_ID), b64(SECRET), b64(TOKEN), "DoNotLeak")) {
      assertThat(logs).as("logs").doesNotContain(secret);
      assertThat(events).as("events").doesNotContain(secret);
      assertThat(objects).as("status").doesNotContain(secret);
    }
  }
}
