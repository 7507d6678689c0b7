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
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.operator.stage.claims.ContestGuard;
import io.stageboundary.operator.stage.enforcement.EnforcementCheck;
import io.stageboundary.operator.stage.enforcement.ProbePlan;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One bootstrap stack, one pass: read it, judge drift against the last report, let
 * {@link BootstrapPlanner} decide, write (or only report), and check that the roles really carry
 * the boundary. Failed writes back off per pair.
 */
final class BootstrapPair {
  private static final String NOT_CHANGED_REPORT = "; driftRemediation is Report: not changed";
  private static final String NOT_CHANGED_SUSPENDED = "; spec.suspend is true: not changed";

  private final Schedule schedule;
  private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();
  private final ContestGuard contest;

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

  /** What was read of the stack: it, and its bootstrap version. */
  record Read(Optional<StackView> stack, Optional<Integer> version) {
    static Read of(Want want, BootstrapStacks stacks) {
      Optional<StackView> stack = stacks.describe(want.stackName());
      Optional<Integer> version = stack.flatMap(StackView::versionOutput);
      if (stack.isPresent() && version.isEmpty()) {
        version = stacks.bootstrapVersion(want.qualifier());
      }
      return new Read(stack, version);
    }
  }

  BootstrapPair(Schedule schedule) {
    this.schedule = schedule;
    this.contest = new ContestGuard(schedule);
  }

  Schedule schedule() {
    return schedule;
  }

  Result bootstrap(Pass p) {
    RegionBootstrap last = p.last();
    String region = p.region();
    try {
      Read read = Read.of(p.want(), p.stacks());
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
        return new Result(report(region, BootstrapState.DRIFTED, read, null, drift.what()
            + (p.suspended() ? NOT_CHANGED_SUSPENDED : NOT_CHANGED_REPORT), drift.reason()), false);
      }
      DriftReason reason = drift == null ? null : drift.reason();
      BootstrapPlanner.Decision decision = decide(p.want(), reason, read);
      if (decision instanceof BootstrapPlanner.Report r) {
        return new Result(report(region, r.state(), read, null, r.message(), null), false);
      }
      if (decision instanceof BootstrapPlanner.Verify) {
        RegionBootstrap verified = verify(p, read);
        return new Result(verified.state() == BootstrapState.CURRENT && verified.driftReason() == null
            ? verified.withRolesRead(rolesDigest(p)) : verified, false);
      }
      if (p.suspended()) {
        return new Result(report(region, BootstrapState.PENDING, read, null,
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
  private Result write(Pass p, Read read, BootstrapPlanner.Decision decision, StackDrift drift) {
    Want want = p.want();
    String region = p.region();
    String key = p.key();
    DriftReason reason = drift == null ? null : drift.reason();
    // the whole desired state names the resource: a changed profile is a new budget, not another round
    String resource = key + "|stack|" + want.policyName() + "|" + want.applyToAllRoles() + "|" + want.profile();
    Optional<Instant> spent = contest.spentUntil(resource);
    if (spent.isPresent()) {
      return new Result(report(region, BootstrapState.DRIFTED, read, null, ContestGuard.message(
          "the bootstrap stack " + want.stackName(), spent.get()), DriftReason.ContestedByAnotherWriter), false);
    }
    Optional<String> unusable = unusableExecutionPolicy(want, p.pair().account(), p.stacks());
    if (unusable.isPresent()) {
      return new Result(report(region, BootstrapState.FAILED, read, null, unusable.get()
          + "; the bootstrap stack is left as it is", reason), false);
    }
    Backoff b = backoff.get(key);
    Optional<StackView> stack = read.stack();
    boolean rolledBack = stack.map(s -> s.status().equals("UPDATE_ROLLBACK_COMPLETE")).orElse(false);
    if (b != null && b.next().isAfter(schedule.now())) {
      return new Result(report(region, BootstrapState.FAILED, read, null,
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
    return new Result(report(region, BootstrapState.UPDATING, read, null,
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

  static BootstrapPlanner.Decision decide(Want want, DriftReason drift, Read read) {
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

  /**
   * The roles' boundaries checked (and repaired under Reconcile), then IAM asked whether the
   * boundary really holds them, in the account's proving region (see {@link ProbePlan}): after
   * every update, whenever what the proof rests on changed or a probe failed, and at the latest
   * reproveAfter after the last proof; and in any region where a role lost its boundary (the
   * probes then show it).
   */
  private RegionBootstrap verify(Pass p, Read read) {
    return prove(p, checkRoles(p, read));
  }

  /**
   * A check at rest of a pair that was current, whose stack was read within the stack check
   * interval: its roles are read, as the account's last full IAM read shows them. While they carry
   * the boundary and hold what they held when the stack was last read ({@code rolesRead} of the
   * last report: trust, attached and inline policies, which the stack's parameters decide), the
   * stack is taken to be as it was read and the proof follows as after any check; otherwise the
   * stack is read at once to say why ({@link #bootstrap}). The digest is in the StageAccount's
   * status, so a restarted operator does not read every stack again either.
   */
  Result recheck(Pass p) {
    try {
      String roles = rolesDigest(p);
      if (roles == null || !roles.equals(p.last().rolesRead())) {
        return bootstrap(p);  // a role's trust or policies changed since the stack was read (or nothing to compare)
      }
      String exec = BootstrapStacks.executionRole(p.want().qualifier(), p.pair().account(), p.region());
      String execBoundary = null;
      for (String role : roles(p.want(), p.pair())) {
        Optional<String> boundary = p.stacks().recentRoleBoundary(role, p.readAge());
        if (boundary.isEmpty() || !boundary.get().equals(p.policyArn())) {
          return bootstrap(p);
        }
        execBoundary = role.equals(exec) ? boundary.get() : execBoundary;
      }
      return new Result(prove(p, p.last().rechecked(schedule.stamp(), execBoundary)), false);
    } catch (AwsFailure f) {
      if (f.kind().transientFailure()) {
        return new Result(null, false);
      }
      return failed(p.key(), p.region(), f, hint(p.want(), p.pair(), f, false));
    }
  }

  /**
   * What the pair's bootstrap roles hold besides their boundary (trust, attached and inline
   * policies), as the account's recent IAM read shows them, in 12 hex digits; null when it cannot
   * tell.
   */
  private static String rolesDigest(Pass p) {
    StringBuilder all = new StringBuilder();
    for (String role : BootstrapStacks.bootstrapRoles(p.want().qualifier(), p.pair().account(), p.region())) {
      Optional<String> digest = p.stacks().recentRoleDigest(role, p.readAge());
      if (digest.isEmpty()) {
        return null;
      }
      all.append(digest.get()).append(',');
    }
    return CanonicalPolicy.hash(all.toString());
  }

  /** The proof of a checked pair: kept, asked again, or the last one left as it was (see {@link #verify}). */
  private RegionBootstrap prove(Pass p, RegionBootstrap report) {
    boolean lost = DriftReason.of(report.driftReason()).orElse(null) == DriftReason.ExecutionRoleBoundaryRemoved;
    boolean held = report.state() == BootstrapState.CURRENT && !lost;
    ProbePlan probes = p.probes();
    if (probes != null && probes.probing() == ProbePlan.Probing.NOT_YET) {
      // the policy does not hold the stage's revision yet: the last proof stands, of the revision it names
      return report.withEnforcement(p.last() == null ? null : p.last().enforcement());
    }
    if (probes == null || !(lost || held && probes.whenHeld())) {
      return report;
    }
    if (!lost && probes.stands(p.last(), schedule.now())) {
      // the roles were just read to carry the boundary, the policy holds this revision, the probes
      // are the same: IAM would decide as it did, so it is not asked again until reproveAfter
      return report.withEnforcement(p.last().enforcement());
    }
    return report.withEnforcement(EnforcementCheck.run(roles(p.want(), p.pair()), probes.requests().get(), p.stacks(),
        p.region(), schedule.stamp(), probes));
  }

  private static List<String> roles(Want want, BootstrapRunner.Pair pair) {
    return want.applyToAllRoles() ? BootstrapStacks.bootstrapRoles(want.qualifier(), pair.account(), pair.region())
        : List.of(BootstrapStacks.executionRole(want.qualifier(), pair.account(), pair.region()));
  }

  private RegionBootstrap checkRoles(Pass p, Read read) {
    Want want = p.want();
    BootstrapRunner.Pair pair = p.pair();
    String policyArn = p.policyArn();
    String key = p.key();
    boolean remediate = p.repairs();
    String account = pair.account();
    String region = pair.region();
    List<String> roles = roles(want, pair);
    String execBoundary = null;
    List<String> lacking = new ArrayList<>();
    for (String role : roles) {
      Optional<String> boundary = p.stacks().roleBoundary(role);
      if (boundary.isEmpty()) {
        return report(region, BootstrapState.FAILED, read, null, "role " + role
            + " does not exist although the bootstrap stack is complete", null);
      }
      boolean execution = role.equals(BootstrapStacks.executionRole(want.qualifier(), account, region));
      if (execution) {
        execBoundary = boundary.get();
      }
      if (!boundary.get().equals(policyArn)) {
        lacking.add(role + " carries " + (boundary.get().isEmpty() ? "no boundary" : boundary.get()));
        String resource = key + "|role|" + role + "|" + policyArn;
        Optional<Instant> spent = contest.spentUntil(resource);
        if (remediate && spent.isPresent()) {
          return report(region, BootstrapState.DRIFTED, read, execBoundary, ContestGuard.message(
              "the permissions boundary of role " + role, spent.get()), DriftReason.ContestedByAnotherWriter);
        }
        if (remediate) {
          p.stacks().putRoleBoundary(role, policyArn);
          contest.wrote(resource);
          if (execution) {
            execBoundary = policyArn;
          }
        }
      }
    }
    if (lacking.isEmpty()) {
      backoff.remove(key);
      return report(region, BootstrapState.CURRENT, read, execBoundary, null, null);
    }
    String what = String.join(", ", lacking) + " although the stack sets " + policyArn
        + " (changed outside CloudFormation)";
    if (!remediate) {
      return report(region, BootstrapState.DRIFTED, read, execBoundary, what
          + (p.suspended() ? NOT_CHANGED_SUSPENDED : NOT_CHANGED_REPORT), DriftReason.ExecutionRoleBoundaryRemoved);
    }
    backoff.remove(key);
    return report(region, BootstrapState.CURRENT, read, execBoundary,
        "repaired at " + schedule.stamp() + ": " + what, DriftReason.ExecutionRoleBoundaryRemoved);
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
    return new Result(report(region, BootstrapState.FAILED, null, f.getMessage() + hint), false);
  }

  private void record(String key) {
    Backoff b = backoff.get(key);
    int attempts = b == null ? 0 : b.attempts() + 1;
    backoff.put(key, new Backoff(attempts, schedule.now().plus(schedule.backoff(attempts))));
  }

  RegionBootstrap report(String region, BootstrapState state, String stackStatus, String message) {
    return new RegionBootstrap(region, state, stackStatus, null, null, null, null, schedule.stamp(), message);
  }

  private RegionBootstrap report(String region, BootstrapState state, Read read, String execBoundary, String message,
      DriftReason driftReason) {
    Optional<StackView> stack = read.stack();
    Optional<Integer> version = read.version();
    return new RegionBootstrap(region, state, stack.map(StackView::status).orElse(null),
        version.orElse(null),
        stack.map(s -> s.parameters().get(BootstrapPlanner.BOUNDARY_PARAMETER)).orElse(null),
        stack.map(s -> s.parameters().get(BootstrapPlanner.ALL_ROLES_PARAMETER)).map(Boolean::parseBoolean).orElse(null),
        execBoundary, schedule.stamp(), message, driftReason == null ? null : driftReason.name(),
        listParameter(stack, BootstrapPlanner.TRUSTED_PARAMETER),
        listParameter(stack, BootstrapPlanner.TRUSTED_FOR_LOOKUP_PARAMETER),
        listParameter(stack, BootstrapPlanner.EXECUTION_POLICIES_PARAMETER), null, schedule.stamp(), null);
  }

  /** A list parameter as the stack holds it; null when there is no stack or no such parameter. */
  private static List<String> listParameter(Optional<StackView> stack, String name) {
    return stack.filter(s -> s.parameters().containsKey(name)).map(s -> BootstrapPlanner.split(s.parameters().get(name)))
        .orElse(null);
  }
}
