package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.MutableClock;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Boundary;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.EnforcementProbes;
import io.stageboundary.operator.stage.enforcement.ProbePlan;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** BootstrapRunner over a small fake of one account's bootstrap stack. */
class BootstrapRunnerTest {
  private static final String ACCOUNT = "200000000001";
  private static final String REGION = "us-east-1";
  private static final String POLICY = "developer-policy-dev";
  private static final Want WANT = new Want(POLICY, false, "hnb659fds", "CDKToolkit", 30, false,
      null, null, null);
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);
  private final BootstrapRunner runner = new BootstrapRunner(pool, 2, 100,
      new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30), clock));

  /** The stack as CloudFormation shows it; every write is recorded. */
  private static class FakeStack implements BootstrapStacks {
    String status = "UPDATE_COMPLETE";
    String boundary = POLICY;
    String roleBoundary = "arn:aws:iam::" + ACCOUNT + ":policy/" + POLICY;
    boolean deleted;
    Map<String, String> created;
    final List<String> writes = new ArrayList<>();
    final List<String> simulated = new java.util.concurrent.CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    /** What the roles hold besides their boundary (trust, policies), as the recent IAM read digests it. */
    String roles = "trusts-111111111111";

    @Override
    public Optional<String> stackOwning(String physicalResourceId) {
      return Optional.empty();
    }

    @Override
    public Optional<StackView> describe(String stackName) {
      reads.incrementAndGet();
      if (deleted) {
        return Optional.empty();
      }
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
      created = parameters;
    }

    @Override
    public Optional<String> roleBoundary(String roleName) {
      return Optional.of(roleBoundary);
    }

    @Override
    public void putRoleBoundary(String roleName, String policyArn) {
      writes.add("putRoleBoundary");
    }

    @Override
    public Optional<String> recentRoleDigest(String roleName, Duration maxAge) {
      return Optional.of(roles);
    }

    @Override
    public boolean managedPolicyExists(String policyArn) {
      return true;
    }

    @Override
    public List<Simulated> simulate(String roleName, List<String> actions, List<String> resources,
        Map<String, List<String>> context) {
      simulated.add(roleName);
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
    return pass(WANT, WriteMode.REPORT, stack, last);
  }

  private BootstrapRunner.Outcome pass(Want want, WriteMode mode, FakeStack stack, RegionBootstrap last) {
    return runner.run(new BootstrapRunner.Request("uid", want, (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY,
        reach(List.of(REGION), (a, r) -> stack), Duration.ZERO, mode, a -> null),
        new BootstrapRunner.Accounts(List.of(ACCOUNT), List.of(), List.of(), Map.of(ACCOUNT, List.of(last)), List.of()));
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

  /**
   * Once an update is seen complete, the roles are read from a read of the account's IAM taken
   * after the stack's: one taken while the update ran (for another check of the account) would show
   * the roles before it, and would pass for a boundary someone removed.
   */
  @Test
  void aCompletedUpdatesRolesAreReadFromAnIamReadTakenAfterTheStacks() {
    RegionBootstrap updating = new RegionBootstrap(REGION, BootstrapState.UPDATING, "UPDATE_IN_PROGRESS", 30, POLICY,
        false, null, "2026-11-25T11:59:00Z", "updating");
    List<Duration> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    FakeStack stack = new FakeStack() {
      @Override
      public Optional<String> recentRoleBoundary(String roleName, Duration maxAge) {
        asked.add(maxAge);
        // a read kept from before this pass still shows the role as it was before the update
        return maxAge.isZero() ? Optional.of(roleBoundary) : Optional.of("");
      }
    };
    RegionBootstrap report = pass(WANT, WriteMode.REPAIR, stack, updating).reports().get(ACCOUNT).get(0);
    assertThat(asked).as("no older than the stack's read (the clock stands still here)").containsOnly(Duration.ZERO);
    assertThat(report.state()).isEqualTo(BootstrapState.CURRENT);
    assertThat(report.driftReason()).isNull();
    assertThat(stack.writes).as("no repair of a boundary the update put there").isEmpty();
  }

  @Test
  void aDeletedStackIsCreatedAgainWithTheStagesWholeProfileInOneWrite() {
    Want profile = new Want(POLICY, false, "hnb659fds", "CDKToolkit", 30, false,
        List.of("arn:aws:iam::${AWS::AccountId}:policy/cdk-exec"), List.of("111111111111"), List.of("222222222222"));
    String policyArn = "arn:aws:iam::" + ACCOUNT + ":policy/" + POLICY;
    RegionBootstrap current = new RegionBootstrap(REGION, BootstrapState.CURRENT, "UPDATE_COMPLETE", 30, POLICY, false,
        policyArn, "2026-11-25T11:00:00Z", null, null, List.of("111111111111"), List.of("222222222222"),
        List.of("arn:aws:iam::" + ACCOUNT + ":policy/cdk-exec"), null);
    FakeStack stack = new FakeStack();
    stack.deleted = true;

    RegionBootstrap report = pass(profile, WriteMode.REPAIR, stack, current).reports().get(ACCOUNT).get(0);

    assertThat(report.driftReason()).isEqualTo(DriftReason.StackDeleted.name());
    assertThat(stack.writes).as("one write: the create").containsExactly("create");
    assertThat(stack.created).containsEntry("InputPermissionsBoundary", POLICY)
        .containsEntry("TrustedAccounts", "111111111111")
        .containsEntry("TrustedAccountsForLookup", "222222222222")
        .containsEntry("CloudFormationExecutionPolicies", "arn:aws:iam::" + ACCOUNT + ":policy/cdk-exec");
  }

  /** Accounts without a bootstrap stack whose creation CloudFormation takes its time. */
  private static final class SlowStacks {
    final Map<String, String> stacks = new java.util.concurrent.ConcurrentHashMap<>();
    final List<String> describes = java.util.Collections.synchronizedList(new ArrayList<>());

    BootstrapStacks in(String account) {
      FakeStack f = new FakeStack() {
        @Override
        public Optional<StackView> describe(String stackName) {
          describes.add(account);
          String s = stacks.get(account);
          return s == null ? Optional.empty() : Optional.of(new StackView(stackName, s, null,
              Map.of("InputPermissionsBoundary", POLICY, "ApplyPermissionsBoundaryToAllRoles", "false",
                  "BootstrapVariant", "AWS CDK: Default Resources"), Optional.of(30)));
        }

        @Override
        public void create(String stackName, String templateBody, Map<String, String> parameters) {
          stacks.put(account, "CREATE_IN_PROGRESS");
        }

        @Override
        public Optional<String> roleBoundary(String roleName) {
          return Optional.of("arn:aws:iam::" + account + ":policy/" + POLICY);
        }
      };
      return f;
    }
  }

  @Test
  void stacksInFlightHoldNoSlotAndAreLookedAtWhenATypicalStackWouldBeDone() {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
    BootstrapRunner slow = new BootstrapRunner(pool, 1, 20, new Schedule(Duration.ofSeconds(1),
        Duration.ofMinutes(10), Duration.ofSeconds(30), clock));
    Want create = new Want(POLICY, false, "hnb659fds", "CDKToolkit", 30, true, null, null, null);
    List<String> accounts = java.util.stream.IntStream.range(0, 24).mapToObj(i -> String.valueOf(200000000100L + i))
        .toList();
    SlowStacks aws = new SlowStacks();
    Map<String, List<RegionBootstrap>> last = new java.util.HashMap<>();
    java.util.function.Supplier<BootstrapRunner.Outcome> pass = () -> {
      BootstrapRunner.Outcome o = slow.run(new BootstrapRunner.Request("uid", create,
          (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY, reach(List.of(REGION), (a, r) -> aws.in(a)),
          Duration.ofHours(1), WriteMode.REPAIR, a -> null), new BootstrapRunner.Accounts(accounts, List.of(), List.of(), last, List.of()));
      last.clear();
      last.putAll(o.reports());
      return o;
    };
    pass.get();  // a batch of 8 (1 thread × 8) created
    assertThat(aws.stacks).hasSize(8);
    clock.advance(Duration.ofMillis(500));
    pass.get();  // the 8 in flight are not due yet and take no slot: 8 more are started
    assertThat(aws.stacks).hasSize(16);
    clock.advance(Duration.ofMillis(500));
    BootstrapRunner.Outcome third = pass.get();  // only 4 more: 20 may be in flight at once
    assertThat(aws.stacks).hasSize(20);
    assertThat(slow.inFlight()).isEqualTo(20);
    assertThat(third.moreWork()).isTrue();

    // the first stacks take 60 s; before any has been seen finishing the guess is 60 s: a look on
    // the next pass, one at 60 s, then every 15 s. Then their slots free and the last four start
    int before = aws.describes.size();
    for (int s = 0; s < 75; s++) {
      clock.advance(Duration.ofSeconds(1));
      if (s == 57) {
        accounts.subList(0, 20).forEach(a -> aws.stacks.put(a, "CREATE_COMPLETE"));
      }
      pass.get();
    }
    assertThat((aws.describes.size() - before) / 20).as("looks per stack, not one per pass").isLessThanOrEqualTo(8);
    assertThat(aws.stacks).hasSize(24);
    assertThat(last.values().stream().flatMap(List::stream).filter(r -> r.state() == BootstrapState.CURRENT).count())
        .isEqualTo(20);

    // now the runner knows a stack takes about a minute: the next ones are first looked at when a
    // minute is up, not on the next pass, and then a quarter of that apart
    before = aws.describes.size();
    for (int s = 0; s < 80; s++) {
      clock.advance(Duration.ofSeconds(1));
      if (s == 60) {
        accounts.subList(20, 24).forEach(a -> aws.stacks.put(a, "CREATE_COMPLETE"));
      }
      pass.get();
    }
    assertThat((aws.describes.size() - before) / 4).as("looks per stack once learnt").isLessThanOrEqualTo(3);
    assertThat(last.values().stream().flatMap(List::stream).filter(r -> r.state() == BootstrapState.CURRENT).count())
        .isEqualTo(24);
    assertThat(slow.inFlight()).isZero();
  }

  @Test
  void iamIsAskedOncePerAccountInTheFirstRegionAndWhereARoleLostItsBoundary() {
    FakeStack east = new FakeStack();
    FakeStack west = new FakeStack();
    ProbePlan plan = guardProbe();
    java.util.function.Supplier<BootstrapRunner.Outcome> verify = () -> runner.run(new BootstrapRunner.Request("uid",
        WANT, (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY, reach(List.of(REGION, "eu-west-1"),
        (a, r) -> r.equals(REGION) ? east : west), Duration.ZERO, WriteMode.REPORT, a -> plan),
        new BootstrapRunner.Accounts(List.of(ACCOUNT), List.of(), List.of(), Map.of(), List.of()));

    BootstrapRunner.Outcome held = verify.get();
    assertThat(east.simulated).as("the first region proves the account").isNotEmpty();
    assertThat(west.simulated).as("the other region's role carries the same boundary: read, not asked again").isEmpty();
    assertThat(held.reports().get(ACCOUNT)).extracting(RegionBootstrap::state)
        .containsOnly(BootstrapState.CURRENT);

    west.roleBoundary = "";  // removed out of band, and driftRemediation is Report
    BootstrapRunner.Outcome lost = verify.get();
    assertThat(west.simulated).as("a role that lost its boundary is asked about, so the probes show it").isNotEmpty();
    assertThat(lost.reports().get(ACCOUNT).get(1).enforcement()).isNotNull();
  }

  @Test
  void aRegionTheAccountHasNotEnabledIsNeverReadAndTheProofMovesToItsFirstEnabledRegion() {
    FakeStack optIn = new FakeStack();
    FakeStack west = new FakeStack();
    ProbePlan plan = guardProbe();
    java.util.Set<String> enabled = new java.util.HashSet<>();
    io.stageboundary.operator.aws.AccountRegions regions = (a, r) -> !r.equals("ap-east-1") || enabled.contains(a);
    java.util.function.BiFunction<String, String, BootstrapStacks> stacks = (a, r) -> r.equals("ap-east-1") ? optIn : west;
    java.util.function.Function<Map<String, List<RegionBootstrap>>, BootstrapRunner.Outcome> pass = last ->
        runner.run(new BootstrapRunner.Request("uid", WANT, (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY,
            new BootstrapRunner.Reach(List.of("ap-east-1", "eu-west-1"), regions, stacks), Duration.ofHours(1),
            WriteMode.REPAIR, a -> plan),
            new BootstrapRunner.Accounts(List.of(ACCOUNT), List.of(), List.of(), last, List.of()));

    BootstrapRunner.Outcome off = pass.apply(Map.of());
    assertThat(off.reports().get(ACCOUNT)).extracting(RegionBootstrap::state)
        .containsExactly(BootstrapState.REGION_NOT_ENABLED, BootstrapState.CURRENT);
    assertThat(off.reports().get(ACCOUNT).get(0).message()).contains("opt-in region");
    assertThat(optIn.writes).isEmpty();
    assertThat(optIn.simulated).as("not asked about").isEmpty();
    assertThat(west.simulated).as("the first region the account has enabled proves it").isNotEmpty();
    assertThat(BootstrapRunner.overall(off.reports().get(ACCOUNT))).isEqualTo(BootstrapState.CURRENT);

    enabled.add(ACCOUNT);
    BootstrapRunner.Outcome on = pass.apply(off.reports());
    assertThat(on.reports().get(ACCOUNT).get(0).state()).as("read at once once enabled")
        .isEqualTo(BootstrapState.CURRENT);
    assertThat(BootstrapRunner.overall(List.of(off.reports().get(ACCOUNT).get(0))))
        .as("an account with none of the stage's regions enabled").isEqualTo(BootstrapState.REGION_NOT_ENABLED);
  }

  @Test
  void aProofWaitsUntilThePolicyHoldsTheNewRevisionThenRunsAtOnce() {
    EnforcementProbes.Probe probe = new EnforcementProbes.Probe("DenyKeyDeletion denies kms:ScheduleKeyDeletion",
        "kms:ScheduleKeyDeletion", "*", EnforcementProbes.Expect.DENIED_BY_BOUNDARY);
    java.util.function.Supplier<List<EnforcementProbes.Request>> requests =
        () -> List.of(new EnforcementProbes.Request(Map.of(), List.of(probe)));
    StageAccountStatus.Enforcement old = new StageAccountStatus.Enforcement("2026-11-25T11:00:00Z", 3, 0, null, null,
        "fp-r1", "r1");
    RegionBootstrap proven = new RegionBootstrap(REGION, BootstrapState.CURRENT, "UPDATE_COMPLETE", 30, POLICY, false,
        "arn:aws:iam::" + ACCOUNT + ":policy/" + POLICY, "2026-11-25T11:00:00Z", null, null, null, null, null, old);
    FakeStack stack = new FakeStack();
    java.util.function.Function<ProbePlan, BootstrapRunner.Outcome> pass = plan -> runner.run(
        new BootstrapRunner.Request("uid", WANT, (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY,
            reach(List.of(REGION), (a, r) -> stack), Duration.ofHours(1), WriteMode.REPORT, a -> plan),
        new BootstrapRunner.Accounts(List.of(ACCOUNT), List.of(), List.of(), Map.of(ACCOUNT, List.of(proven)), List.of()));

    // revision r2 is on its way: the account's policy still holds r1, so IAM is not asked
    BootstrapRunner.Outcome during = pass.apply(new ProbePlan("fp-r2", "r2", requests, ProbePlan.Probing.NOT_YET, a -> List.of()));
    assertThat(stack.simulated).as("not proven against the old policy").isEmpty();
    assertThat(during.reports().get(ACCOUNT).get(0).enforcement()).isEqualTo(old);

    // the policy holds r2 now: proven at once, not a drift interval later, and the proof says of which revision
    BootstrapRunner.Outcome after = pass.apply(new ProbePlan("fp-r2", "r2", requests, ProbePlan.Probing.WHEN_CHECKED, a -> List.of()));
    assertThat(stack.simulated).isNotEmpty();
    assertThat(after.reports().get(ACCOUNT).get(0).enforcement().revision()).isEqualTo("r2");
    assertThat(after.reports().get(ACCOUNT).get(0).enforcement().probeSet()).isEqualTo("fp-r2");
  }

  /**
   * At rest a proof is not asked again while nothing it rests on changes: the hourly check reads
   * the roles, and IAM is asked only after reproveAfter, or at once when a role loses its
   * boundary or a probe failed.
   */
  @Test
  void aStandingProofIsAskedAgainOnlyAfterReproveAfterOrWhenWhatItRestsOnChanges() {
    MutableClock moving = new MutableClock(clock.instant());
    BootstrapRunner timed = new BootstrapRunner(pool, 2, 100,
        new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30), moving));
    FakeStack stack = new FakeStack() {
      @Override
      public List<Simulated> simulate(String roleName, List<String> actions, List<String> resources,
          Map<String, List<String>> context) {
        simulated.add(roleName);
        return actions.stream().map(a -> new Simulated(a, "*", BootstrapStacks.Decision.EXPLICIT_DENY, false,
            List.of("DenyAccessIfRequiredPermBoundaryIsNotBeingApplied"))).toList();
      }
    };
    EnforcementProbes.Probe probe = new EnforcementProbes.Probe("guard", "iam:CreateRole", "*",
        EnforcementProbes.Expect.DENIED_BY_BOUNDARY);
    ProbePlan plan = new ProbePlan("fp", "r1", () -> List.of(new EnforcementProbes.Request(Map.of(), List.of(probe))),
        ProbePlan.Probing.WHEN_CHECKED, a -> List.of(), null, Duration.ofHours(24));
    AtomicReference<Map<String, List<RegionBootstrap>>> last =
        new AtomicReference<>(Map.of());
    Runnable check = () -> last.set(timed.run(new BootstrapRunner.Request("uid", WANT,
        (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY, reach(List.of(REGION), (a, r) -> stack), Duration.ZERO,
        WriteMode.REPORT, a -> plan), new BootstrapRunner.Accounts(List.of(ACCOUNT), List.of(), List.of(), last.get(),
        List.of())).reports());

    check.run();
    assertThat(stack.simulated).as("proven once").hasSize(1);
    String proven = last.get().get(ACCOUNT).get(0).enforcement().lastChecked();
    moving.advance(Duration.ofHours(1));
    check.run();
    assertThat(stack.simulated).as("an hour later, the roles read and nothing changed: not asked again").hasSize(1);
    assertThat(last.get().get(ACCOUNT).get(0).enforcement().lastChecked()).as("the proof stands").isEqualTo(proven);

    moving.advance(Duration.ofHours(24));
    check.run();
    assertThat(stack.simulated).as("after reproveAfter").hasSize(2);

    moving.advance(Duration.ofHours(1));
    stack.roleBoundary = "";
    check.run();
    assertThat(stack.simulated).as("a role lost its boundary: asked at once").hasSize(3);
  }

  /**
   * At rest a current pair's check reads its roles only; the stack itself is read when a role no
   * longer carries the boundary (to say why) and once the stack check interval has passed.
   */
  @Test
  void atRestTheRolesAreReadEveryCheckAndTheStackOnlyWhenTheyChangedOrADayPassed() {
    MutableClock moving = new MutableClock(clock.instant());
    BootstrapRunner timed = new BootstrapRunner(pool, 2, 100,
        new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30), moving));
    FakeStack stack = new FakeStack();
    AtomicReference<Map<String, List<RegionBootstrap>>> last =
        new AtomicReference<>(Map.of());
    Consumer<BootstrapRunner> checkBy = runner -> last.set(runner.run(new BootstrapRunner.Request("uid", WANT,
        (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY, reach(List.of(REGION), (a, r) -> stack),
        Duration.ofHours(1), WriteMode.REPORT, a -> null, Duration.ofHours(24)),
        new BootstrapRunner.Accounts(List.of(ACCOUNT), List.of(), List.of(), last.get(), List.of())).reports());
    Runnable check = () -> checkBy.accept(timed);

    check.run();
    assertThat(stack.reads).as("the first check reads the stack").hasValue(1);
    String stackRead = last.get().get(ACCOUNT).get(0).stackRead();
    assertThat(stackRead).isNotNull();

    moving.advance(Duration.ofMinutes(61));
    check.run();
    RegionBootstrap rechecked = last.get().get(ACCOUNT).get(0);
    assertThat(stack.reads).as("an hour later: the roles are read, not the stack").hasValue(1);
    assertThat(rechecked.state()).isEqualTo(BootstrapState.CURRENT);
    assertThat(rechecked.stackRead()).isEqualTo(stackRead);
    assertThat(rechecked.lastChecked()).isNotEqualTo(stackRead);
    assertThat(rechecked.rolesRead()).as("the roles as the stack read found them, kept in the status").isNotNull();

    // a restarted operator: a new runner with nothing in memory, the StageAccounts' status as it was
    BootstrapRunner restarted = new BootstrapRunner(pool, 2, 100,
        new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30), moving));
    moving.advance(Duration.ofMinutes(61));
    checkBy.accept(restarted);
    assertThat(stack.reads).as("after a restart: the roles are read, not the stack").hasValue(1);

    moving.advance(Duration.ofMinutes(61));
    stack.roles = "trusts-222222222222";  // cdk bootstrap --trust, run by hand: the roles' trust changed
    check.run();
    assertThat(stack.reads).as("a role's trust changed: the stack is read").hasValue(2);

    moving.advance(Duration.ofMinutes(61));
    check.run();
    assertThat(stack.reads).as("and from then on compared with what it holds now").hasValue(2);

    moving.advance(Duration.ofMinutes(61));
    stack.roleBoundary = "";
    check.run();
    assertThat(stack.reads).as("a role lost its boundary: the stack is read to say why").hasValue(3);
    assertThat(last.get().get(ACCOUNT).get(0).driftReason()).isEqualTo("ExecutionRoleBoundaryRemoved");

    stack.roleBoundary = "arn:aws:iam::" + ACCOUNT + ":policy/" + POLICY;
    moving.advance(Duration.ofMinutes(61));
    check.run();  // drifted last time: read in full again
    moving.advance(Duration.ofHours(25));
    int before = stack.reads.get();
    check.run();
    assertThat(stack.reads).as("a day later the stack itself is read again").hasValue(before + 1);
  }

  /**
   * An account's checks at rest keep together: a current pair is checked with its account's policy
   * once half its interval has passed, when that check is made in this pass or was a moment ago
   * (a batch split them), so both share one read of the account's IAM; alone it waits for its own
   * interval.
   */
  @Test
  void aCurrentPairComesAlongWithItsAccountsPolicyCheckOnceHalfItsIntervalPassed() {
    MutableClock moving = new MutableClock(clock.instant());
    BootstrapRunner timed = new BootstrapRunner(pool, 2, 100,
        new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30), moving));
    FakeStack stack = new FakeStack();
    AtomicReference<Map<String, List<RegionBootstrap>>> last = new AtomicReference<>(Map.of());
    Consumer<Optional<Instant>> checkWithPolicyAt = policyChecked -> last.set(timed.run(new BootstrapRunner.Request(
        "uid", WANT, (a, r) -> "arn:aws:iam::" + a + ":policy/" + POLICY, reach(List.of(REGION), (a, r) -> stack),
        Duration.ofHours(1), WriteMode.REPORT, a -> null, Duration.ofHours(24)),
        new BootstrapRunner.Accounts(List.of(ACCOUNT), List.of(), List.of(), last.get(), List.of(),
            policyChecked.map(at -> Map.of(ACCOUNT, new Boundary(State.CURRENT, "r1", "CURRENT", null, at.toString(),
                null))).orElse(Map.of()), Set.of())).reports());
    Supplier<String> checked = () -> last.get().get(ACCOUNT).get(0).lastChecked();

    checkWithPolicyAt.accept(Optional.empty());
    String first = checked.get();
    moving.advance(Duration.ofMinutes(20));
    checkWithPolicyAt.accept(Optional.of(moving.instant()));
    assertThat(checked.get()).as("checked 20 minutes ago: it does not come along").isEqualTo(first);

    moving.advance(Duration.ofMinutes(20));
    checkWithPolicyAt.accept(Optional.of(moving.instant().minus(Duration.ofMinutes(20))));
    assertThat(checked.get()).as("40 minutes, alone: not due yet").isEqualTo(first);
    checkWithPolicyAt.accept(Optional.of(moving.instant().minus(Duration.ofMinutes(2))));
    assertThat(checked.get()).as("40 minutes, its policy checked two minutes ago: it comes along")
        .isNotEqualTo(first);
    assertThat(stack.writes).isEmpty();
  }

  private static BootstrapRunner.Reach reach(List<String> regions,
      java.util.function.BiFunction<String, String, io.stageboundary.operator.aws.BootstrapStacks> stacks) {
    return new BootstrapRunner.Reach(regions, io.stageboundary.operator.aws.AccountRegions.ALL, stacks);
  }

  /** One probe of the guard statement, asked whenever a stack is checked. */
  private static ProbePlan guardProbe() {
    EnforcementProbes.Probe probe = new EnforcementProbes.Probe("guard", "iam:CreateRole", "*",
        EnforcementProbes.Expect.DENIED_BY_BOUNDARY);
    return new ProbePlan("fp", "r1", () -> List.of(new EnforcementProbes.Request(Map.of(), List.of(probe))),
        ProbePlan.Probing.WHEN_CHECKED, a -> List.of());
  }
}
