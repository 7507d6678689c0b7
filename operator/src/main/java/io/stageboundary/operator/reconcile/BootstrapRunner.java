package io.stageboundary.operator.reconcile;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BootstrapStacks.StackView;
import io.stageboundary.operator.cdk.BootstrapPlanner;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.cdk.BootstrapTemplate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BiFunction;

/**
 * Brings the CDK bootstrap stack of every (account, region) of a stage to carry the boundary, a
 * bounded batch per reconcile on a bounded pool: a pass never takes long, and the next pass picks
 * up what is left. A pair that is current is read again only after the verify interval; a failed
 * one is retried with exponential backoff per pair.
 */
public final class BootstrapRunner {
  private static final Comparator<BootstrapState> WORST = Comparator.comparingInt(s -> switch (s) {
    case FAILED -> 0;
    case FOREIGN -> 1;
    case CONFLICT -> 2;
    case UPDATING -> 3;
    case PENDING -> 4;
    case NOT_BOOTSTRAPPED -> 5;
    case DRIFTED -> 1;
    case CURRENT -> 6;
  });

  public static final String PARAMETER_CHANGED = "ParameterChanged";
  public static final String STACK_DELETED = "StackDeleted";
  public static final String DOWNGRADED = "Downgraded";
  public static final String ROLE_BOUNDARY_REMOVED = "ExecutionRoleBoundaryRemoved";

  private final ExecutorService pool;
  private final int batch;
  private final Clock clock;
  private final Duration retryDelay;
  private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();

  private record Backoff(int attempts, Instant next) {}

  public BootstrapRunner(ExecutorService pool, int concurrency, Clock clock, Duration retryDelay) {
    this.pool = pool;
    this.batch = Math.max(1, concurrency) * 4;
    this.clock = clock;
    this.retryDelay = retryDelay;
  }

  /** The outcome of one pass: reports per account, and whether work is left for another pass. */
  public record Outcome(Map<String, List<RegionBootstrap>> reports, boolean moreWork,
      List<String> written, List<String> failures, Map<String, String> drifted, List<String> repaired) {}

  /**
   * @param ready accounts whose boundary is current: their stacks may be bootstrapped
   * @param waiting accounts whose boundary is not current yet
   * @param held accounts another Stage claims
   * @param previous the last reports (from the StageAccount objects)
   * @param stacks how to reach the bootstrap stack of an (account, region)
   */
  public Outcome run(String stageUid, Want want, BiFunction<String, String, String> policyArn,
      Collection<String> ready, Collection<String> waiting, Collection<String> held,
      List<String> regions, Map<String, List<RegionBootstrap>> previous, Duration verifyInterval,
      boolean suspended, boolean remediate, BiFunction<String, String, BootstrapStacks> stacks) {
    Instant now = clock.instant();
    Map<String, Map<String, RegionBootstrap>> reports = new LinkedHashMap<>();
    List<String[]> due = new ArrayList<>();
    for (String account : ready) {
      for (String region : regions) {
        RegionBootstrap last = find(previous.get(account), region);
        if (isDue(last, want, now, verifyInterval)) {
          due.add(new String[] {account, region});
        }
        put(reports, account, region, last != null ? last
            : report(region, BootstrapState.PENDING, null, "not read yet"));
      }
    }
    for (String account : waiting) {
      for (String region : regions) {
        RegionBootstrap last = find(previous.get(account), region);
        if (last != null && last.state() == BootstrapState.CURRENT) {
          put(reports, account, region, last);  // bootstrapped before; a boundary rollout does not undo that
          continue;
        }
        put(reports, account, region, new RegionBootstrap(region, BootstrapState.PENDING,
            last == null ? null : last.stackStatus(), last == null ? null : last.version(),
            last == null ? null : last.boundaryParameter(), last == null ? null : last.applyToAllRoles(),
            last == null ? null : last.executionRoleBoundary(), last == null ? null : last.lastChecked(),
            "waiting for the boundary policy to be deployed to this account first"));
      }
    }
    for (String account : held) {
      for (String region : regions) {
        put(reports, account, region, report(region, BootstrapState.CONFLICT, null,
            "another Stage claims this account: its bootstrap stack is left alone"));
      }
    }
    List<String[]> now_ = due.subList(0, Math.min(batch, due.size()));
    List<CompletableFuture<Object[]>> work = new ArrayList<>();
    for (String[] pair : now_) {
      RegionBootstrap last = find(previous.get(pair[0]), pair[1]);
      work.add(CompletableFuture.supplyAsync(() -> new Object[] {pair, bootstrap(stageUid, want,
          policyArn.apply(pair[0], pair[1]), pair[0], pair[1], suspended, remediate && !suspended, last,
          stacks.apply(pair[0], pair[1]))}, pool));
    }
    List<String> written = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Map<String, String> drifted = new LinkedHashMap<>();
    List<String> repaired = new ArrayList<>();
    boolean more = due.size() > now_.size();
    for (CompletableFuture<Object[]> f : work) {
      Object[] r = f.join();
      String[] pair = (String[]) r[0];
      Result result = (Result) r[1];
      if (result.report() != null) {
        put(reports, pair[0], pair[1], result.report());
        if (result.report().driftReason() != null) {
          drifted.put(pair[0] + "/" + pair[1], result.report().driftReason());
          if (result.report().state() != BootstrapState.DRIFTED) {
            repaired.add(pair[0] + "/" + pair[1] + " (" + result.report().driftReason() + ")");
          }
        }
        if (result.report().state() == BootstrapState.FAILED) {
          failures.add(pair[0] + "/" + pair[1] + ": " + result.report().message());
        }
        if (result.report().state() == BootstrapState.UPDATING) {
          more = true;
        }
      } else {
        more = true;  // transient failure: keep the last report, try again soon
      }
      if (result.wrote()) {
        written.add(pair[0] + "/" + pair[1]);
      }
    }
    Map<String, List<RegionBootstrap>> out = new LinkedHashMap<>();
    reports.forEach((account, byRegion) -> out.put(account, List.copyOf(byRegion.values())));
    return new Outcome(out, more, written, failures, drifted, repaired);
  }

  /** Where clearing the boundary out of bootstrap stacks stands. */
  public record ClearOutcome(boolean done, List<String> written, List<String> failures) {}

  /**
   * Clears {@code policyName} out of every bootstrap stack that carries it (InputPermissionsBoundary
   * empty, ApplyPermissionsBoundaryToAllRoles false, all else unchanged): the first step of
   * deleting a boundary, since IAM refuses to delete a policy still in use as a boundary. Stacks
   * carrying another boundary, or none, are not touched.
   */
  public ClearOutcome clear(String stackName, String policyName, Collection<String> accounts,
      List<String> regions, BiFunction<String, String, BootstrapStacks> stacks) {
    List<CompletableFuture<String[]>> work = new ArrayList<>();
    for (String account : accounts) {
      for (String region : regions) {
        work.add(CompletableFuture.supplyAsync(() -> {
          try {
            BootstrapStacks s = stacks.apply(account, region);
            Optional<StackView> stack = s.describe(stackName);
            if (stack.isEmpty()) {
              return new String[] {"done"};
            }
            if (stack.get().status().endsWith("_IN_PROGRESS")) {
              return new String[] {"wait"};
            }
            if (!policyName.equals(stack.get().parameters().get(BootstrapPlanner.BOUNDARY_PARAMETER))) {
              return new String[] {"done"};
            }
            s.update(stackName, Optional.empty(), BootstrapPlanner.clearingParameters(stack.get().parameters()));
            return new String[] {"written", account + "/" + region};
          } catch (AwsFailure f) {
            return new String[] {f.kind().transientFailure() ? "wait" : "failed", account + "/" + region + ": " + f.getMessage()};
          }
        }, pool));
      }
    }
    boolean done = true;
    List<String> written = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (CompletableFuture<String[]> f : work) {
      String[] r = f.join();
      switch (r[0]) {
        case "done" -> { }
        case "written" -> {
          done = false;
          written.add(r[1]);
        }
        case "failed" -> {
          done = false;
          failures.add(r[1]);
        }
        default -> done = false;
      }
    }
    return new ClearOutcome(done, written, failures);
  }

  /** The least finished state of an account's regions. */
  public static BootstrapState overall(List<RegionBootstrap> regions) {
    return regions.stream().map(RegionBootstrap::state).min(WORST).orElse(BootstrapState.PENDING);
  }

  private boolean isDue(RegionBootstrap last, Want want, Instant now, Duration verifyInterval) {
    if (last == null || last.lastChecked() == null) {
      return true;
    }
    switch (last.state()) {
      case UPDATING, PENDING, CONFLICT -> {
        return true;
      }
      case FAILED, DRIFTED -> {
        return true;  // the pair's own backoff decides whether it writes again
      }
      default -> {
        boolean fresh = Instant.parse(last.lastChecked()).plus(verifyInterval).isAfter(now);
        if (!fresh) {
          return true;
        }
        if (last.state() == BootstrapState.CURRENT) {
          boolean sameSettings = want.policyName().equals(last.boundaryParameter())
              && want.applyToAllRoles() == Boolean.TRUE.equals(last.applyToAllRoles());
          return !sameSettings;
        }
        // NOT_BOOTSTRAPPED is acted on at once when createIfMissing is switched on; FOREIGN only
        // needs a look after the interval
        return last.state() == BootstrapState.NOT_BOOTSTRAPPED && want.createIfMissing();
      }
    }
  }

  private record Result(RegionBootstrap report, boolean wrote) {}

  private Result bootstrap(String stageUid, Want want, String policyArn, String account, String region,
      boolean suspended, boolean remediate, RegionBootstrap last, BootstrapStacks stacks) {
    String key = stageUid + "|" + account + "|" + region;
    try {
      Optional<StackView> stack = stacks.describe(want.stackName());
      Optional<Integer> version = stack.flatMap(StackView::versionOutput);
      if (stack.isPresent() && version.isEmpty()) {
        version = stacks.bootstrapVersion(want.qualifier());
      }
      // A stack the operator had bootstrapped that changed since, while the stage did not: drift,
      // not first-time work. A change of the stage itself (another applyToAllRoles, a higher
      // minimumVersion) is not drift.
      String drift = null;
      String what = null;
      boolean wasCurrent = last != null && last.state() == BootstrapState.CURRENT
          && want.policyName().equals(last.boundaryParameter())
          && want.applyToAllRoles() == Boolean.TRUE.equals(last.applyToAllRoles());
      boolean stillDrifted = last != null && last.state() == BootstrapState.DRIFTED && last.driftReason() != null
          && !ROLE_BOUNDARY_REMOVED.equals(last.driftReason());
      if ((wasCurrent || stillDrifted) && stack.isPresent() && stack.get().status().endsWith("_IN_PROGRESS")) {
        // Someone else (cdk bootstrap, the console) is changing a stack the operator had
        // bootstrapped: keep what was known and look again once it settles, so the change is
        // judged as drift. Reporting "in progress" now would forget that the stack was current, and
        // the change would later pass for first-time work and be undone even under Report.
        return new Result(null, false);
      }
      if (wasCurrent || stillDrifted) {
        if (stack.isEmpty()) {
          drift = STACK_DELETED;
          what = "the bootstrap stack " + want.stackName() + " was deleted";
        } else if (!want.policyName().equals(stack.get().parameters().get(BootstrapPlanner.BOUNDARY_PARAMETER))
            || want.applyToAllRoles() != Boolean.parseBoolean(stack.get().parameters()
                .getOrDefault(BootstrapPlanner.ALL_ROLES_PARAMETER, "false"))) {
          drift = PARAMETER_CHANGED;
          what = "InputPermissionsBoundary is '" + stack.get().parameters().get(BootstrapPlanner.BOUNDARY_PARAMETER)
              + "' (for example after cdk bootstrap --no-previous-parameters)";
        } else if (wasCurrent && version.isPresent() && last.version() != null && version.get() < last.version()) {
          drift = DOWNGRADED;
          what = "the bootstrap stack went from version " + last.version() + " to " + version.get();
        } else if (stillDrifted && DOWNGRADED.equals(last.driftReason()) && version.isPresent()
            && last.version() != null && version.get() <= last.version()) {
          drift = DOWNGRADED;
          what = last.message() == null ? "the bootstrap stack was downgraded"
              : last.message().replaceAll("; (driftRemediation is Report|spec.suspend is true): not changed$", "");
        }
      }
      if (drift != null && !remediate) {
        return new Result(report(region, BootstrapState.DRIFTED, stack, version, null, what
            + (suspended ? "; spec.suspend is true: not changed" : "; driftRemediation is Report: not changed"),
            drift), false);
      }
      Want effective = STACK_DELETED.equals(drift) ? new Want(want.policyName(), want.applyToAllRoles(),
          want.qualifier(), want.stackName(), want.minimumVersion(), true) : want;
      BootstrapPlanner.Decision decision = BootstrapPlanner.decide(effective, stack, version, BootstrapTemplate.pinned());
      if (DOWNGRADED.equals(drift) && decision instanceof BootstrapPlanner.Verify
          && version.orElse(0) < BootstrapTemplate.pinned().version()) {
        decision = new BootstrapPlanner.Update(Optional.of(BootstrapTemplate.pinned().body()),
            BootstrapPlanner.updateParameters(want, stack.get().parameters(), BootstrapTemplate.pinned().parameters()),
            "upgrading the downgraded stack again");
      }
      if (decision instanceof BootstrapPlanner.Report r) {
        return new Result(report(region, r.state(), stack, version, null, r.message(), null), false);
      }
      if (decision instanceof BootstrapPlanner.Verify) {
        return new Result(verify(want, policyArn, account, region, stacks, stack, version, key,
            remediate, suspended), false);
      }
      if (suspended) {
        return new Result(report(region, BootstrapState.PENDING, stack, version, null,
            "spec.suspend is true: the bootstrap stack would be updated", drift), false);
      }
      Backoff b = backoff.get(key);
      boolean rolledBack = stack.map(s -> s.status().equals("UPDATE_ROLLBACK_COMPLETE")).orElse(false);
      if (b != null && b.next().isAfter(clock.instant())) {
        return new Result(report(region, BootstrapState.FAILED, stack, version, null,
            (rolledBack ? "the last update rolled back" + stack.map(s -> s.statusReason() == null ? ""
                : " (" + s.statusReason() + ")").orElse("") : "the last attempt failed")
                + "; next attempt at " + b.next().truncatedTo(ChronoUnit.SECONDS), drift), false);
      }
      if (rolledBack) {
        record(key);
      }
      String why;
      if (decision instanceof BootstrapPlanner.Update u) {
        boolean changed = stacks.update(want.stackName(), u.template(), u.parameters());
        if (!changed) {
          return new Result(verify(want, policyArn, account, region, stacks, stack, version, key,
              remediate, suspended), false);
        }
        why = u.why();
      } else {
        BootstrapPlanner.Create c = (BootstrapPlanner.Create) decision;
        stacks.create(want.stackName(), c.template(), c.parameters());
        why = drift != null ? "creating the bootstrap stack again" : "creating the bootstrap stack (createIfMissing)";
      }
      return new Result(report(region, BootstrapState.UPDATING, stack, version, null,
          drift == null ? why : "repairing drift (" + what + "): " + why, drift), true);
    } catch (AwsFailure f) {
      if (f.kind().transientFailure()) {
        return new Result(null, false);
      }
      record(key);
      String hint = f.kind() == AwsFailure.Kind.ACCESS_DENIED
          ? ": check the member role (spec.memberRoleName of the AwsOrganization) and its permissions"
          : String.valueOf(f.getMessage()).contains("CreateStack") && String.valueOf(f.getMessage()).contains("exist")
          ? ": a deleted bootstrap stack leaves its staging bucket behind (DeletionPolicy Retain); delete "
              + "cdk-" + want.qualifier() + "-assets-" + account + "-" + region + " or bootstrap the account by hand"
          : "";
      return new Result(report(region, BootstrapState.FAILED, null, f.getMessage() + hint), false);
    }
  }

  private RegionBootstrap verify(Want want, String policyArn, String account, String region,
      BootstrapStacks stacks, Optional<StackView> stack, Optional<Integer> version, String key,
      boolean remediate, boolean suspended) {
    List<String> roles = want.applyToAllRoles()
        ? BootstrapStacks.bootstrapRoles(want.qualifier(), account, region)
        : List.of(BootstrapStacks.executionRole(want.qualifier(), account, region));
    String execBoundary = null;
    List<String> lacking = new ArrayList<>();
    for (String role : roles) {
      Optional<String> boundary = stacks.roleBoundary(role);
      if (boundary.isEmpty()) {
        return report(region, BootstrapState.FAILED, stack, version, null, "role " + role
            + " does not exist although the bootstrap stack is complete", null);
      }
      if (role.contains("-cfn-exec-role-")) {
        execBoundary = boundary.get();
      }
      if (!boundary.get().equals(policyArn)) {
        lacking.add(role + " carries " + (boundary.get().isEmpty() ? "no boundary" : boundary.get()));
        if (remediate) {
          stacks.putRoleBoundary(role, policyArn);
          if (role.contains("-cfn-exec-role-")) {
            execBoundary = policyArn;
          }
        }
      }
    }
    if (!lacking.isEmpty()) {
      String what = String.join(", ", lacking) + " although the stack sets " + policyArn
          + " (changed outside CloudFormation)";
      if (!remediate) {
        return report(region, BootstrapState.DRIFTED, stack, version, execBoundary, what
            + (suspended ? "; spec.suspend is true: not changed" : "; driftRemediation is Report: not changed"),
            ROLE_BOUNDARY_REMOVED);
      }
      backoff.remove(key);
      return report(region, BootstrapState.CURRENT, stack, version, execBoundary,
          "repaired at " + now() + ": " + what, ROLE_BOUNDARY_REMOVED);
    }
    backoff.remove(key);
    return report(region, BootstrapState.CURRENT, stack, version, execBoundary, null, null);
  }

  private void record(String key) {
    Backoff b = backoff.get(key);
    int attempts = b == null ? 0 : b.attempts() + 1;
    long factor = 1L << Math.min(attempts, 5);
    Duration wait = retryDelay.multipliedBy(factor);
    if (wait.compareTo(Duration.ofMinutes(15)) > 0) {
      wait = Duration.ofMinutes(15);
    }
    backoff.put(key, new Backoff(attempts, clock.instant().plus(wait)));
  }

  private RegionBootstrap report(String region, BootstrapState state, String stackStatus, String message) {
    return new RegionBootstrap(region, state, stackStatus, null, null, null, null, now(), message, null);
  }

  private RegionBootstrap report(String region, BootstrapState state, Optional<StackView> stack,
      Optional<Integer> version, String execBoundary, String message, String driftReason) {
    return new RegionBootstrap(region, state, stack.map(StackView::status).orElse(null),
        version.orElse(null),
        stack.map(s -> s.parameters().get(BootstrapPlanner.BOUNDARY_PARAMETER)).orElse(null),
        stack.map(s -> s.parameters().get(BootstrapPlanner.ALL_ROLES_PARAMETER)).map(Boolean::parseBoolean).orElse(null),
        execBoundary, now(), message, driftReason);
  }

  private String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static RegionBootstrap find(List<RegionBootstrap> reports, String region) {
    return reports == null ? null : reports.stream().filter(r -> region.equals(r.region())).findFirst().orElse(null);
  }

  private static void put(Map<String, Map<String, RegionBootstrap>> reports, String account, String region,
      RegionBootstrap r) {
    reports.computeIfAbsent(account, a -> new LinkedHashMap<>()).put(region, r);
  }
}
