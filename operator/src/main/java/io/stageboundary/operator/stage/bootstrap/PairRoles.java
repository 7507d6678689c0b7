package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.operator.stage.claims.ContestGuard;
import io.stageboundary.operator.stage.enforcement.EnforcementCheck;
import io.stageboundary.operator.stage.enforcement.ProbePlan;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The CDK roles of one bootstrap stack: whether they carry the boundary (restored under
 * driftRemediation Reconcile when someone took it off), and whether IAM really denies what the
 * boundary should ({@link ProbePlan}). {@link BootstrapPair} asks once the stack itself is as the
 * stage wants it; at rest the roles are rechecked from the account's recent IAM read alone.
 */
final class PairRoles {
  private final Schedule schedule;
  private final ContestGuard contest;

  PairRoles(Schedule schedule) {
    this.schedule = schedule;
    this.contest = new ContestGuard(schedule);
  }

  /**
   * The roles' boundaries checked (and repaired under Reconcile), then IAM asked whether the
   * boundary really holds them, in the account's proving region (see {@link ProbePlan}): after
   * every update, whenever what the proof rests on changed or a probe failed, and at the latest
   * reproveAfter after the last proof; and in any region where a role lost its boundary (the
   * probes then show it).
   */
  RegionBootstrap verify(BootstrapPair.Pass p, StackRead read) {
    return prove(p, check(p, read));
  }

  /**
   * A check at rest of a pair that was current, whose stack was read within the stack check
   * interval: its roles are read, as the account's last full IAM read shows them. While they carry
   * the boundary and hold what they held when the stack was last read ({@code rolesRead} of the
   * last report: trust, attached and inline policies, which the stack's parameters decide), the
   * stack is taken to be as it was read and the proof follows as after any check. Empty when the
   * stack must be read to say why ({@link BootstrapPair#bootstrap}). The digest is in the
   * StageAccount's status, so a restarted operator does not read every stack again either.
   */
  Optional<RegionBootstrap> recheck(BootstrapPair.Pass p) {
    String roles = digest(p, p.readAge());
    if (roles == null || !roles.equals(p.last().rolesRead())) {
      return Optional.empty();  // a role's trust or policies changed since the stack was read (or nothing to compare)
    }
    String exec = BootstrapStacks.executionRole(p.want().qualifier(), p.pair().account(), p.region());
    String execBoundary = null;
    for (String role : roles(p.want(), p.pair())) {
      Optional<String> boundary = p.stacks().recentRoleBoundary(role, p.readAge());
      if (boundary.isEmpty() || !boundary.get().equals(p.policyArn())) {
        return Optional.empty();
      }
      execBoundary = role.equals(exec) ? boundary.get() : execBoundary;
    }
    return Optional.of(prove(p, p.last().rechecked(schedule.stamp(), execBoundary)));
  }

  /**
   * What the pair's bootstrap roles hold besides their boundary (trust, attached and inline
   * policies), as a read of the account's IAM at most {@code maxAge} old shows them, in 12 hex
   * digits; null when it cannot tell.
   */
  static String digest(BootstrapPair.Pass p, Duration maxAge) {
    StringBuilder all = new StringBuilder();
    for (String role : BootstrapStacks.bootstrapRoles(p.want().qualifier(), p.pair().account(), p.region())) {
      Optional<String> digest = p.stacks().recentRoleDigest(role, maxAge);
      if (digest.isEmpty()) {
        return null;
      }
      all.append(digest.get()).append(',');
    }
    return CanonicalPolicy.hash(all.toString());
  }

  /** The proof of a checked pair: kept, asked again, or the last one left as it was (see {@link #verify}). */
  private RegionBootstrap prove(BootstrapPair.Pass p, RegionBootstrap report) {
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

  /** The roles that must carry the boundary: every bootstrap role, or the execution role only. */
  private static List<String> roles(Want want, BootstrapRunner.Pair pair) {
    return want.applyToAllRoles() ? BootstrapStacks.bootstrapRoles(want.qualifier(), pair.account(), pair.region())
        : List.of(BootstrapStacks.executionRole(want.qualifier(), pair.account(), pair.region()));
  }

  /**
   * Each role's boundary, and put back under Reconcile where someone took it off. The roles are
   * read as a read of the account's IAM taken after the stack's shows them: one read serves the
   * account's regions checked in the same pass (the member role without that right reads each
   * role, GetRole); one taken earlier, while the stack was being updated, would not show what the
   * update did.
   */
  private RegionBootstrap check(BootstrapPair.Pass p, StackRead read) {
    Want want = p.want();
    String account = p.pair().account();
    String region = p.region();
    String policyArn = p.policyArn();
    String execBoundary = null;
    List<String> lacking = new ArrayList<>();
    for (String role : roles(want, p.pair())) {
      Optional<String> boundary = p.stacks().recentRoleBoundary(role, read.since(schedule.now()));
      if (boundary.isEmpty()) {
        return read.report(region, BootstrapState.FAILED, null, "role " + role
            + " does not exist although the bootstrap stack is complete", null, schedule.stamp());
      }
      boolean execution = role.equals(BootstrapStacks.executionRole(want.qualifier(), account, region));
      if (execution) {
        execBoundary = boundary.get();
      }
      if (!boundary.get().equals(policyArn)) {
        lacking.add(role + " carries " + (boundary.get().isEmpty() ? "no boundary" : boundary.get()));
        String resource = p.key() + "|role|" + role + "|" + policyArn;
        Optional<Instant> spent = contest.spentUntil(resource);
        if (p.repairs() && spent.isPresent()) {
          return read.report(region, BootstrapState.DRIFTED, execBoundary, ContestGuard.message(
              "the permissions boundary of role " + role, spent.get()), DriftReason.ContestedByAnotherWriter,
              schedule.stamp());
        }
        if (p.repairs()) {
          p.stacks().putRoleBoundary(role, policyArn);
          contest.wrote(resource);
          if (execution) {
            execBoundary = policyArn;
          }
        }
      }
    }
    if (lacking.isEmpty()) {
      return read.report(region, BootstrapState.CURRENT, execBoundary, null, null, schedule.stamp());
    }
    String what = String.join(", ", lacking) + " although the stack sets " + policyArn
        + " (changed outside CloudFormation)";
    if (!p.repairs()) {
      return read.report(region, BootstrapState.DRIFTED, execBoundary, what + BootstrapPair.notChanged(p),
          DriftReason.ExecutionRoleBoundaryRemoved, schedule.stamp());
    }
    return read.report(region, BootstrapState.CURRENT, execBoundary, "repaired at " + schedule.stamp() + ": " + what,
        DriftReason.ExecutionRoleBoundaryRemoved, schedule.stamp());
  }
}
