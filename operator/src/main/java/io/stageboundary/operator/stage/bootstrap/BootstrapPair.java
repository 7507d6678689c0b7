package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BootstrapStacks.StackView;
import io.stageboundary.operator.cdk.BootstrapPlanner;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.cdk.BootstrapTemplate;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.stage.claims.ContestGuard;
import io.stageboundary.operator.stage.enforcement.ProbePlan;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One bootstrap stack, one pass: read it, judge drift against the last report, let
 * {@link BootstrapPlanner} decide, write (or only report), and once the stack is as the stage
 * wants it, have its roles checked and proven ({@link PairRoles}). Failed writes back off per pair.
 */
final class BootstrapPair {
  private static final String NOT_CHANGED_REPORT = "; driftRemediation is Report: not changed";
  private static final String NOT_CHANGED_SUSPENDED = "; spec.suspend is true: not changed";

  private final Schedule schedule;
  private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();
  private final ContestGuard contest;
  private final PairRoles roles;

  private record Backoff(int attempts, Instant next) {}

  /** What a pass found; no report means keep the last one and look again soon. */
  record Result(RegionBootstrap report, boolean wrote) {}

  /**
   * Everything one pair's pass needs to decide and write, built once per pass
   * ({@link BootstrapRunner.Request#pass}), so no part of the stage's wants can be dropped on the way.
   *
   * @param want what the stage wants of this account's stack (its execution policies resolved)
   * @param policyArn the boundary policy the account's roles must carry
   * @param last what the pair's StageAccount last reported, or null
   * @param readAge how old a read of the account's whole IAM may be to serve a check at rest
   */
  record Pass(String key, Want want, String policyArn, BootstrapRunner.Pair pair, WriteMode mode,
      BootstrapStacks stacks, ProbePlan probes, RegionBootstrap last, Duration readAge) {
    String region() {
      return pair.region();
    }

    boolean repairs() {
      return mode == WriteMode.REPAIR;
    }

    boolean suspended() {
      return mode == WriteMode.SUSPENDED;
    }
  }

  BootstrapPair(Schedule schedule) {
    this.schedule = schedule;
    this.contest = new ContestGuard(schedule);
    this.roles = new PairRoles(schedule);
  }

  Schedule schedule() {
    return schedule;
  }

  Result bootstrap(Pass p) {
    RegionBootstrap last = p.last();
    String region = p.region();
    try {
      StackRead read = StackRead.of(p.want(), p.stacks(), schedule.now());
      Optional<StackView> stack = read.stack();
      boolean wasCurrent = last != null && last.state() == BootstrapState.CURRENT && StackDrift.carries(p.want(), last);
      boolean stillDrifted = last != null && last.state() == BootstrapState.DRIFTED
          && DriftReason.of(last.driftReason()).filter(r -> r != DriftReason.ExecutionRoleBoundaryRemoved).isPresent();
      if ((wasCurrent || stillDrifted) && stack.isPresent() && stack.get().status().endsWith("_IN_PROGRESS")) {
        // Someone else (cdk bootstrap, the console) is changing a stack the operator had
        // bootstrapped: keep what was known and look again once it settles, so the change is
        // judged as drift. Reporting "in progress" now would forget that the stack was current, and
        // the change would later pass for first-time work and be undone even under Report.
        return new Result(null, false);
      }
      StackDrift drift = wasCurrent || stillDrifted
          ? StackDrift.of(p.want(), last, wasCurrent, stack, read.version()) : null;
      if (drift != null && !p.repairs()) {
        return new Result(report(region, BootstrapState.DRIFTED, read, drift.what() + notChanged(p),
            drift.reason()), false);
      }
      DriftReason reason = drift == null ? null : drift.reason();
      BootstrapPlanner.Decision decision = decide(p.want(), reason, read);
      if (decision instanceof BootstrapPlanner.Report r) {
        return new Result(report(region, r.state(), read, r.message(), null), false);
      }
      if (decision instanceof BootstrapPlanner.Verify) {
        RegionBootstrap verified = verify(p, read);
        return new Result(verified.state() == BootstrapState.CURRENT && verified.driftReason() == null
            ? verified.withRolesRead(PairRoles.digest(p, read.since(schedule.now()))) : verified, false);
      }
      if (p.suspended()) {
        return new Result(report(region, BootstrapState.PENDING, read,
            "spec.suspend is true: the bootstrap stack would be updated", reason), false);
      }
      return write(p, read, decision, drift);
    } catch (AwsFailure f) {
      if (f.kind().transientFailure()) {
        return new Result(null, false);
      }
      return failed(p.key(), region, f, hint(p.want(), p.pair(), f, false));
    }
  }

  /** Updates or creates the stack, unless the pair's last failure is still backing off. */
  private Result write(Pass p, StackRead read, BootstrapPlanner.Decision decision, StackDrift drift) {
    Want want = p.want();
    String region = p.region();
    String key = p.key();
    DriftReason reason = drift == null ? null : drift.reason();
    // the whole desired state names the resource: a changed profile is a new budget, not another round
    String resource = key + "|stack|" + want.policyName() + "|" + want.applyToAllRoles() + "|" + want.profile();
    Optional<Instant> spent = contest.spentUntil(resource);
    if (spent.isPresent()) {
      return new Result(report(region, BootstrapState.DRIFTED, read, ContestGuard.message(
          "the bootstrap stack " + want.stackName(), spent.get()), DriftReason.ContestedByAnotherWriter), false);
    }
    Optional<String> unusable = unusableExecutionPolicy(want, p.pair().account(), p.stacks());
    if (unusable.isPresent()) {
      return new Result(report(region, BootstrapState.FAILED, read, unusable.get()
          + "; the bootstrap stack is left as it is", reason), false);
    }
    Backoff b = backoff.get(key);
    Optional<StackView> stack = read.stack();
    boolean rolledBack = stack.map(s -> s.status().equals("UPDATE_ROLLBACK_COMPLETE")).orElse(false);
    if (b != null && b.next().isAfter(schedule.now())) {
      return new Result(report(region, BootstrapState.FAILED, read,
          (rolledBack ? "the last update rolled back" + stack.map(s -> s.statusReason() == null ? ""
              : " (" + s.statusReason() + ")").orElse("") : "the last attempt failed")
              + "; next attempt at " + b.next().truncatedTo(ChronoUnit.SECONDS), reason), false);
    }
    if (rolledBack) {
      record(key);
    }
    String why;
    if (decision instanceof BootstrapPlanner.Update u) {
      if (!p.stacks().update(want.stackName(), u.template(), u.parameters())) {
        return new Result(verify(p, read), false);
      }
      contest.wrote(resource);
      why = u.why();
    } else {
      BootstrapPlanner.Create c = (BootstrapPlanner.Create) decision;
      try {
        p.stacks().create(want.stackName(), c.template(), c.parameters());
        contest.wrote(resource);
      } catch (AwsFailure f) {
        if (f.kind().transientFailure()) {
          throw f;
        }
        return failed(key, region, f, hint(want, p.pair(), f, true));
      }
      why = drift != null ? "creating the bootstrap stack again" : "creating the bootstrap stack (createIfMissing)";
    }
    return new Result(report(region, BootstrapState.UPDATING, read,
        drift == null ? why : "repairing drift (" + drift.what() + "): " + why, reason), true);
  }

  /**
   * Why an execution policy the stage names cannot be given to this account's execution role, if
   * one cannot: checked before the update, so no stack is left half updated by CloudFormation.
   */
  private static Optional<String> unusableExecutionPolicy(Want want, String account, BootstrapStacks stacks) {
    if (want.executionPolicies() == null) {
      return Optional.empty();
    }
    for (String arn : want.executionPolicies()) {
      String owner = arn.split(":", 6)[4];
      if (owner.equals("aws")) {
        continue;
      }
      if (!owner.equals(account)) {
        return Optional.of("execution policy " + arn + " belongs to account " + owner + ": a role can only have AWS "
            + "managed policies or its own account's; use arn:aws:iam::${AWS::AccountId}:policy/NAME in "
            + "spec.bootstrap.executionPolicies");
      }
      if (!stacks.managedPolicyExists(arn)) {
        return Optional.of("execution policy " + arn + " does not exist in this account: create it, or change "
            + "spec.bootstrap.executionPolicies");
      }
    }
    return Optional.empty();
  }

  static BootstrapPlanner.Decision decide(Want want, DriftReason drift, StackRead read) {
    BootstrapTemplate pinned = BootstrapTemplate.pinned();
    // a deleted stack is created again with the stage's whole profile, whatever createIfMissing says
    Want effective = drift == DriftReason.StackDeleted ? want.withCreateIfMissing(true) : want;
    BootstrapPlanner.Decision decision = BootstrapPlanner.decide(effective, read.stack(), read.version(), pinned);
    if (drift == DriftReason.Downgraded && decision instanceof BootstrapPlanner.Verify
        && read.version().orElse(0) < pinned.version()) {
      return new BootstrapPlanner.Update(Optional.of(pinned.body()),
          BootstrapPlanner.updateParameters(want, read.stack().get().parameters(), pinned.parameters()),
          "upgrading the downgraded stack again");
    }
    return decision;
  }

  /** The roles checked and proven ({@link PairRoles#verify}); a pair found current has no write to back off from. */
  private RegionBootstrap verify(Pass p, StackRead read) {
    RegionBootstrap verified = roles.verify(p, read);
    if (verified.state() == BootstrapState.CURRENT) {
      backoff.remove(p.key());
    }
    return verified;
  }

  /**
   * A check at rest of a pair that was current, whose stack was read within the stack check
   * interval: its roles only ({@link PairRoles#recheck}), or the whole pass when they say the stack
   * must be read.
   */
  Result recheck(Pass p) {
    try {
      Optional<RegionBootstrap> rechecked = roles.recheck(p);
      return rechecked.isPresent() ? new Result(rechecked.get(), false) : bootstrap(p);
    } catch (AwsFailure f) {
      if (f.kind().transientFailure()) {
        return new Result(null, false);
      }
      return failed(p.key(), p.region(), f, hint(p.want(), p.pair(), f, false));
    }
  }

  /** What a report says when drift is left as it is. */
  static String notChanged(Pass p) {
    return p.suspended() ? NOT_CHANGED_SUSPENDED : NOT_CHANGED_REPORT;
  }

  private static String hint(Want want, BootstrapRunner.Pair pair, AwsFailure f, boolean creating) {
    if (f.kind() == AwsFailure.Kind.ACCESS_DENIED) {
      return ": check the member role (spec.memberRoleName of the AwsOrganization) and its permissions";
    }
    // creating: AWS says the retained staging bucket of an earlier bootstrap stack still exists
    return creating && String.valueOf(f.getMessage()).contains("exist")
        ? ": a deleted bootstrap stack leaves its staging bucket behind (DeletionPolicy Retain); delete "
            + "cdk-" + want.qualifier() + "-assets-" + pair.account() + "-" + pair.region()
            + " or bootstrap the account by hand"
        : "";
  }

  private Result failed(String key, String region, AwsFailure f, String hint) {
    record(key);
    return new Result(DuePairs.report(region, BootstrapState.FAILED, f.getMessage() + hint, schedule.stamp()), false);
  }

  private void record(String key) {
    Backoff b = backoff.get(key);
    int attempts = b == null ? 0 : b.attempts() + 1;
    backoff.put(key, new Backoff(attempts, schedule.now().plus(schedule.backoff(attempts))));
  }

  private RegionBootstrap report(String region, BootstrapState state, StackRead read, String message,
      DriftReason driftReason) {
    return read.report(region, state, null, message, driftReason, schedule.stamp());
  }
}
