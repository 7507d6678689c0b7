package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner.Accounts;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner.Pair;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner.Request;
import io.stageboundary.operator.stage.enforcement.ChecksAtRest;
import io.stageboundary.operator.stage.enforcement.ProbePlan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which of a stage's bootstrap stacks a pass looks at, and what every (account, region) reports
 * until it is looked at. A stack in flight is looked at when its next look has come. A pair is due
 * when it was never checked or is not current, when it lacks something the stage now wants, when
 * its check interval has passed or its check comes along with its account's others
 * ({@link ChecksAtRest}), or when its proof was asked with other probes than today's. Accounts
 * whose policy is not deployed yet, that are blocked, or that another Stage claims are not looked
 * at; each says why.
 *
 * @param reports per account and region, what it reports unless a look this pass says otherwise
 * @param looks stacks in flight whose next look has come
 * @param starts pairs due a check (and perhaps a write)
 * @param waitingOnStacks whether stacks in flight are left to wait for
 */
record DuePairs(Map<String, Map<String, RegionBootstrap>> reports, List<Pair> looks, List<Pair> starts,
    boolean waitingOnStacks) {

  static DuePairs select(Request request, Accounts accounts, InFlightStacks inFlight, Instant now, String stamp) {
    Map<String, List<RegionBootstrap>> previous = accounts.previous();
    List<String> regions = request.reach().regions();
    Set<String> company = ChecksAtRest.inCompany(accounts.policies(), previous, accounts.sessionsEnding(),
        request.verifyInterval(), now);
    Map<String, Map<String, RegionBootstrap>> reports = new LinkedHashMap<>();
    List<Pair> looks = new ArrayList<>();
    List<Pair> starts = new ArrayList<>();
    boolean waitingOnStacks = false;
    for (String account : accounts.ready()) {
      List<String> enabled = request.reach().in(account);
      for (String region : regions) {
        RegionBootstrap last = find(previous.get(account), region);
        if (!enabled.contains(region)) {
          put(reports, account, region, notEnabled(region, stamp));
          continue;
        }
        Pair pair = new Pair(account, region);
        if (last != null && last.state() == BootstrapState.UPDATING) {
          // in flight: looked at when its next look has come, never holding a slot meanwhile
          if (inFlight.waiting(BootstrapRunner.key(request.stageUid(), pair), now)) {
            waitingOnStacks = true;
          } else {
            looks.add(pair);
          }
        } else if (isDue(account, last, request.want(), now, request.verifyInterval())
            || (company.contains(account) && last != null && last.state() == BootstrapState.CURRENT
                && ChecksAtRest.comesAlong(last.lastChecked(), request.verifyInterval(), now))
            || (region.equals(request.probeRegion(account)) && reprove(last, request.probes().apply(account)))) {
          starts.add(pair);
        }
        put(reports, account, region, last != null ? last
            : report(region, BootstrapState.PENDING, "not read yet", stamp));
      }
    }
    for (String account : accounts.waiting()) {
      List<String> enabled = request.reach().in(account);
      for (String region : regions) {
        put(reports, account, region, enabled.contains(region)
            ? waitingForPolicy(find(previous.get(account), region), region) : notEnabled(region, stamp));
      }
    }
    for (String account : accounts.blocked()) {
      for (String region : regions) {
        put(reports, account, region, blocked(find(previous.get(account), region), region, stamp));
      }
    }
    for (String account : accounts.held()) {
      for (String region : regions) {
        put(reports, account, region, report(region, BootstrapState.CONFLICT,
            "another Stage claims this account: its bootstrap stack is left alone", stamp));
      }
    }
    return new DuePairs(reports, looks, starts, waitingOnStacks);
  }

  private static boolean isDue(String account, RegionBootstrap last, Want want, Instant now, Duration verifyInterval) {
    if (last == null || last.lastChecked() == null) {
      return true;
    }
    switch (last.state()) {
      case UPDATING, PENDING, CONFLICT, FAILED, DRIFTED, REGION_NOT_ENABLED -> {
        // for FAILED and DRIFTED the pair's own backoff decides whether it writes again; a region
        // that was not enabled is, now that this is asked: its stack is read at once
        return true;
      }
      default -> {
        if (ChecksAtRest.due(last.lastChecked(), verifyInterval, now)) {
          return true;
        }
        if (last.state() == BootstrapState.CURRENT) {
          return !StackDrift.carries(want.in(account), last);
        }
        // NOT_BOOTSTRAPPED is acted on at once when createIfMissing is switched on; FOREIGN only
        // needs a look after the interval
        return last.state() == BootstrapState.NOT_BOOTSTRAPPED && want.createIfMissing();
      }
    }
  }

  /** A current pair whose proof was asked with other probes than today's. */
  private static boolean reprove(RegionBootstrap last, ProbePlan plan) {
    return last != null && last.state() == BootstrapState.CURRENT && plan != null
        && plan.probing() != ProbePlan.Probing.NOT_YET
        && (last.enforcement() == null || last.enforcement().revision() == null
            || !plan.fingerprint().equals(last.enforcement().probeSet()));
  }

  /** A pair of a blocked account: what was last known, marked as not read now (the StageAccount says why). */
  private static RegionBootstrap blocked(RegionBootstrap last, String region, String stamp) {
    String why = "not read: the account is blocked (see status.blocked)";
    return last == null ? report(region, BootstrapState.FAILED, why, stamp) : last.as(BootstrapState.FAILED, why);
  }

  /** A region the account has not enabled: no stack can be there, none is looked for. */
  private static RegionBootstrap notEnabled(String region, String stamp) {
    return report(region, BootstrapState.REGION_NOT_ENABLED, region + " is an opt-in region this account "
        + "has not enabled, so nothing can be deployed there: left alone. Once someone enables it (Account "
        + "Management EnableRegion, or the console), it is bootstrapped when the organisation is next read "
        + "(the AwsOrganization's refreshInterval)", stamp);
  }

  private static RegionBootstrap waitingForPolicy(RegionBootstrap last, String region) {
    if (last != null && last.state() == BootstrapState.CURRENT) {
      return last;  // bootstrapped before; a boundary rollout does not undo that
    }
    String waiting = "waiting for the boundary policy to be deployed to this account first";
    return last == null ? new RegionBootstrap(region, BootstrapState.PENDING, null, null, null, null, null, null, waiting)
        : last.as(BootstrapState.PENDING, waiting);
  }

  /** A pair's report that read no stack: its state and why, checked at {@code stamp}. */
  static RegionBootstrap report(String region, BootstrapState state, String message, String stamp) {
    return new RegionBootstrap(region, state, null, null, null, null, null, stamp, message);
  }

  static RegionBootstrap find(List<RegionBootstrap> reports, String region) {
    return reports == null ? null : reports.stream().filter(r -> region.equals(r.region())).findFirst().orElse(null);
  }

  static void put(Map<String, Map<String, RegionBootstrap>> reports, String account, String region,
      RegionBootstrap r) {
    reports.computeIfAbsent(account, a -> new LinkedHashMap<>()).put(region, r);
  }
}
