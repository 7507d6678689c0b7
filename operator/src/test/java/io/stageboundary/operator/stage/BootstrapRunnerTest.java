package io.stageboundary.operator.stage;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.kube.Schedule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** BootstrapRunner over a small fake of one account's bootstrap stack. */
class BootstrapRunnerTest {
  private static final String ACCOUNT = "200000000001";
  private static final String REGION = "us-east-1";
  private static final String POLICY = "developer-policy-dev";
  private static final Want WANT = new Want(POLICY, false, "hnb659fds", "CDKToolkit", 30, false);
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);
  private final BootstrapRunner runner = new BootstrapRunner(pool, 2,
      new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30), clock));

  /** The stack as CloudFormation shows it; every write is recorded. */
  private static final class FakeStack implements BootstrapStacks {
    String status = "UPDATE_COMPLETE";
    String boundary = POLICY;
    final List<String> writes = new ArrayList<>();

    @Override
    public Optional<StackView> describe(String stackName) {
      return Optional.of(new StackView(stackName, status, null, Map.of("InputPermissionsBoundary", boundary,
          "ApplyPermissionsBoundaryToAllRoles", "false", "BootstrapVariant", "AWS CDK: Default Resources"),
          Optional.of(30)));
    }

    @Override
    public boolean update(String stackName, Optional<String> templateBody, Map<String, String> parameters) {
      writes.add("update " + parameters);
      return true;
    }

    @Override
    public void create(String stackName, String templateBody, Map<String, String> parameters) {
      writes.add("create");
    }

    @Override
    public Optional<String> roleBoundary(String roleName) {
      return Optional.of("arn:aws:iam::" + ACCOUNT + ":policy/" + POLICY);
    }

    @Override
    public void putRoleBoundary(String roleName, String policyArn) {
      writes.add("putRoleBoundary");
    }

    @Override
    public boolean managedPolicyExists(String policyArn) {
      return true;
    }

    @Override
    public List<Simulated> simulate(String roleName, List<String> actions, List<String> resources,
        Map<String, List<String>> context) {
      return List.of();
    }

    @Override
    public Optional<Integer> bootstrapVersion(String qualifier) {
      return Optional.of(30);
    }
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private BootstrapRunner.Outcome pass(FakeStack stack, RegionBootstrap last) {
    return runner.run("uid", WANT, (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY, List.of(ACCOUNT), List.of(),
        List.of(), List.of(REGION), Map.of(ACCOUNT, List.of(last)), Duration.ZERO, false, false, (a, r) -> stack, a -> null);
  }

  @Test
  void aChangeSeenWhileItIsInProgressIsStillReportedAsDriftUnderReport() {
    RegionBootstrap current = new RegionBootstrap(REGION, BootstrapState.CURRENT, "UPDATE_COMPLETE", 30, POLICY, false,
        "arn:aws:iam::" + ACCOUNT + ":policy/" + POLICY, "2026-11-25T11:00:00Z", null);
    FakeStack stack = new FakeStack();
    // cdk bootstrap --no-previous-parameters is running when the operator looks
    stack.status = "UPDATE_IN_PROGRESS";
    stack.boundary = "";
    BootstrapRunner.Outcome during = pass(stack, current);
    assertThat(during.reports().get(ACCOUNT)).containsExactly(current);
    assertThat(during.moreWork()).as("look again soon").isTrue();

    stack.status = "UPDATE_COMPLETE";
    BootstrapRunner.Outcome after = pass(stack, during.reports().get(ACCOUNT).get(0));
    RegionBootstrap report = after.reports().get(ACCOUNT).get(0);
    assertThat(report.state()).isEqualTo(BootstrapState.DRIFTED);
    assertThat(report.driftReason()).isEqualTo(DriftReason.ParameterChanged.name());
    assertThat(report.message()).contains("driftRemediation is Report");
    assertThat(stack.writes).as("Report never writes").isEmpty();
  }

  @Test
  void anUnchangedStackStaysCurrentWithoutWrites() {
    RegionBootstrap current = new RegionBootstrap(REGION, BootstrapState.CURRENT, "UPDATE_COMPLETE", 30, POLICY, false,
        "arn:aws:iam::" + ACCOUNT + ":policy/" + POLICY, "2026-11-25T11:00:00Z", null);
    FakeStack stack = new FakeStack();
    RegionBootstrap report = pass(stack, current).reports().get(ACCOUNT).get(0);
    assertThat(report.state()).isEqualTo(BootstrapState.CURRENT);
    assertThat(report.driftReason()).isNull();
    assertThat(stack.writes).isEmpty();
  }
}
