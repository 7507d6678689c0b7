package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Boundary;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.aws.AccountRegions;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.stage.enforcement.BoundaryVerifier;
import io.stageboundary.operator.stage.enforcement.ChecksAtRest;
import io.stageboundary.operator.stage.enforcement.ProbePlan;
import io.stageboundary.operator.stage.pass.Batches;
import io.stageboundary.operator.stage.pass.DriftReason;
import io.stageboundary.operator.stage.pass.Preflight;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Brings the CDK bootstrap stack of every (account, region) of a stage to carry the boundary, a
 * bounded batch per reconcile on a bounded pool: a pass never takes long, and the next pass picks
 * up what is left. Which pairs are due is {@link DuePairs}'s rule. A stack being created or updated
 * holds no slot ({@link InFlightStacks}): each pass starts up to a batch of new ones, as long as
 * fewer than the in-flight limit run across all stages, and looks at running ones only when their
 * next look has come. A failed pair is retried with exponential backoff per pair
 * ({@link BootstrapPair} decides each pair, {@link PairRoles} checks its roles).
 */
public final class BootstrapRunner {
  private static final Comparator<BootstrapState> WORST = Comparator.comparingInt(s -> switch (s) {
    case FAILED -> 0;
    case FOREIGN, DRIFTED -> 1;
    case CONFLICT -> 2;
    case UPDATING -> 3;
    case PENDING -> 4;
    case NOT_BOOTSTRAPPED -> 5;
    case CURRENT -> 6;
    case REGION_NOT_ENABLED -> 7;  // an account's overall state only when none of its regions is enabled
  });

  private final ExecutorService pool;
  private final int batch;
  private final BootstrapPair pairs;
  private final InFlightStacks inFlight;

  /** One account and region: one bootstrap stack. */
  public record Pair(String account, String region) {
    String label() {
      return account + "/" + region;
    }
  }

  /**
   * @param concurrency stacks read or written at once (threads of {@code pool}); a pass takes up to
   *     {@link Batches#perPass} pairs
   * @param maxInFlight bootstrap stacks being created or updated at once, across all stages
   */
  public BootstrapRunner(ExecutorService pool, int concurrency, int maxInFlight, Schedule schedule) {
    this.pool = pool;
    this.batch = Batches.perPass(concurrency);
    this.pairs = new BootstrapPair(schedule);
    this.inFlight = new InFlightStacks(maxInFlight, schedule.pollInterval());
  }

  /** How many bootstrap stacks this operator is waiting on now, and what one has typically taken. */
  public int inFlight() {
    return inFlight.size();
  }

  /**
   * The outcome of one pass: reports per account, and whether work is left for another pass;
   * {@code nextLook} says when, if all that is left is waiting for stacks in flight.
   */
  public record Outcome(Map<String, List<RegionBootstrap>> reports, boolean moreWork,
      List<String> written, List<String> failures, Map<String, DriftReason> drifted, List<String> repaired,
      Optional<Instant> nextLook) {}

  /**
   * Where a stage's bootstrap stacks are: its regions, those of them each account has enabled, and
   * how to reach the stack of an (account, region). A region an account has not enabled holds no
   * stack and takes none: it is never read or written.
   */
  public record Reach(List<String> regions, AccountRegions enabled, BiFunction<String, String, BootstrapStacks> stacks) {
    /** The stage's regions {@code account} has enabled, in the stage's order. */
    List<String> in(String account) {
      return regions.stream().filter(r -> enabled.enabled(account, r)).toList();
    }

    /** Every (account, region) pair there is a stack to look at in. */
    List<Pair> pairs(Collection<String> accounts) {
      List<Pair> all = new ArrayList<>();
      accounts.forEach(a -> in(a).forEach(r -> all.add(new Pair(a, r))));
      return all;
    }

    /** The stage's regions in the organisation {@code aws} reaches. */
    public static Reach of(List<String> regions, OrganizationAws aws) {
      return new Reach(regions, aws.regions(), aws::bootstrapStacks);
    }

    BootstrapStacks open(Pair pair) {
      return stacks.apply(pair.account(), pair.region());
    }
  }

  /**
   * What a stage asks of its bootstrap stacks in one pass.
   *
   * @param policyArn the boundary policy an (account, region)'s roles must carry
   * @param reach where the stacks are and how to reach them
   * @param probes what to ask IAM to prove the boundary holds an account's CDK roles
   */
  public record Request(String stageUid, Want want, BiFunction<String, String, String> policyArn, Reach reach,
      Duration verifyInterval, WriteMode mode, Function<String, ProbePlan> probes, Duration stackInterval) {

    /** Every check reads the stack (a stack check interval of zero). */
    public Request(String stageUid, Want want, BiFunction<String, String, String> policyArn, Reach reach,
        Duration verifyInterval, WriteMode mode, Function<String, ProbePlan> probes) {
      this(stageUid, want, policyArn, reach, verifyInterval, mode, probes, Duration.ZERO);
    }

    /**
     * A current pair that already carries all the stage wants of its stack, whose stack was read
     * within the stack check interval: a check reads its roles only.
     */
    boolean rechecks(Pair pair, RegionBootstrap last, Instant now) {
      return last != null && last.state() == BootstrapState.CURRENT && last.driftReason() == null
          && StackDrift.carries(want.in(pair.account()), last)
          && last.stackRead() != null && Instant.parse(last.stackRead()).plus(stackInterval).isAfter(now);
    }

    /** One pair's pass, with the whole of what the stage wants (execution policies resolved for the account). */
    BootstrapPair.Pass pass(Pair pair, RegionBootstrap last) {
      return new BootstrapPair.Pass(stageUid + "|" + pair.account() + "|" + pair.region(), want.in(pair.account()),
          policyArn.apply(pair.account(), pair.region()), pair, mode, reach.open(pair),
          probePlan(probes.apply(pair.account()), pair.region().equals(probeRegion(pair.account()))), last,
          BoundaryVerifier.readAge(verifyInterval));
    }

    /** The region an account's CDK roles are proven from: the first of the stage's it has enabled. */
    String probeRegion(String account) {
      List<String> on = reach.in(account);
      return on.isEmpty() ? null : on.get(0);
    }
  }

  /**
   * Whose stacks a pass looks at.
   *
   * @param ready accounts whose boundary is current: their stacks may be bootstrapped
   * @param waiting accounts whose boundary is not current yet
   * @param held accounts another Stage claims
   * @param previous the last reports (from the StageAccount objects)
   * @param blocked accounts left alone this pass (their member role was refused): not read, not written
   * @param policies the accounts' policy checks as this pass left them: a current pair's check at
   *     rest keeps together with them and with the account's other pairs ({@link ChecksAtRest})
   * @param sessionsEnding accounts whose member session ends before the next pass: their pairs'
   *     checks at rest come along on it ({@link ChecksAtRest#sessionsEnding})
   */
  public record Accounts(Collection<String> ready, Collection<String> waiting, Collection<String> held,
      Map<String, List<RegionBootstrap>> previous, Collection<String> blocked, Map<String, Boundary> policies,
      Set<String> sessionsEnding) {

    /** For a pass without policy checks to keep company with. */
    public Accounts(Collection<String> ready, Collection<String> waiting, Collection<String> held,
        Map<String, List<RegionBootstrap>> previous, Collection<String> blocked) {
      this(ready, waiting, held, previous, blocked, Map.of(), Set.of());
    }
  }

  /** One pass over a stage's stacks: those due ({@link DuePairs}), a batch of them, on the pool. */
  public Outcome run(Request request, Accounts accounts) {
    Instant now = pairs.schedule().now();
    DuePairs due = DuePairs.select(request, accounts, inFlight, now, pairs.schedule().stamp());
    List<Pair> looks = due.looks();
    List<Pair> starts = due.starts();
    List<Pair> thisPass = new ArrayList<>(looks.subList(0, Math.min(batch, looks.size())));
    int room = Math.min(batch, inFlight.room(now));
    thisPass.addAll(starts.subList(0, Math.min(room, starts.size())));
    Map<Pair, BootstrapPair.Result> results = Batches.run(pool, thisPass, pair -> {
      RegionBootstrap last = DuePairs.find(accounts.previous().get(pair.account()), pair.region());
      BootstrapPair.Pass pass = request.pass(pair, last);
      return request.rechecks(pair, last, now) ? pairs.recheck(pass) : pairs.bootstrap(pass);
    });
    Instant after = pairs.schedule().now();
    results.forEach((pair, r) -> track(key(request.stageUid(), pair), r, after));
    boolean left = looks.size() + starts.size() > thisPass.size()
        || results.values().stream().anyMatch(r -> r.report() == null);
    Outcome out = collect(due.reports(), results, due.waitingOnStacks() || left);
    return left ? out : withNextLook(out, request.stageUid());
  }

  /** The earliest look any of the stage's stacks in flight is due, when nothing else is left to do. */
  private Outcome withNextLook(Outcome out, String stageUid) {
    Optional<Instant> next = Optional.empty();
    for (Map.Entry<String, List<RegionBootstrap>> e : out.reports().entrySet()) {
      for (RegionBootstrap r : e.getValue()) {
        if (r.state() == BootstrapState.UPDATING) {
          Optional<Instant> look = inFlight.nextLook(key(stageUid, new Pair(e.getKey(), r.region())));
          if (look.isEmpty()) {
            return out;  // not tracked (someone else's update): look on the next pass
          }
          next = next.isEmpty() || look.get().isBefore(next.get()) ? look : next;
        }
      }
    }
    return new Outcome(out.reports(), out.moreWork(), out.written(), out.failures(), out.drifted(), out.repaired(), next);
  }

  /** What a pass learnt about a stack's flight: started, still running, or done. */
  private void track(String key, BootstrapPair.Result r, Instant now) {
    if (r.report() == null) {
      return;  // not read (a transient failure): looked at again on the next pass
    }
    if (r.report().state() != BootstrapState.UPDATING) {
      inFlight.finished(key, now);
    } else if (r.wrote()) {
      inFlight.started(key, now);
    } else {
      inFlight.stillRunning(key, now);
    }
  }

  static String key(String stageUid, Pair pair) {
    return stageUid + "|" + pair.label();
  }

  /** Reads in member accounts, a few at once on the runner's pool: for a plan's other looks. */
  public <T, R> Map<T, R> read(List<T> items, Function<T, R> look) {
    return Batches.run(pool, items, look);
  }

  /**
   * What a rollout of {@code want} would do to each (account, region)'s bootstrap stack, reading
   * only: for a plan. A region the account has not enabled is not read; it is a blocker of its own.
   */
  public Map<Pair, StackPreview> preview(Want want, Collection<String> accounts, Reach reach) {
    Map<Pair, StackPreview> out = new LinkedHashMap<>(Batches.run(pool, reach.pairs(accounts),
        p -> StackPreview.of(want, p, reach.open(p))));
    accounts.forEach(a -> reach.regions().stream().filter(r -> !reach.enabled().enabled(a, r)).forEach(r ->
        out.put(new Pair(a, r), StackPreview.blocked(new Preflight(a, r, Preflight.Reason.RegionNotEnabled,
            r + " is an opt-in region this account has not enabled: nothing is deployed there")))));
    return out;
  }

  /** Folds one pass's results into the reports, with what was written, failed, drifted or repaired. */
  private static Outcome collect(Map<String, Map<String, RegionBootstrap>> reports,
      Map<Pair, BootstrapPair.Result> results, boolean more) {
    List<String> written = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Map<String, DriftReason> drifted = new LinkedHashMap<>();
    List<String> repaired = new ArrayList<>();
    for (Map.Entry<Pair, BootstrapPair.Result> e : results.entrySet()) {
      Pair pair = e.getKey();
      RegionBootstrap report = e.getValue().report();
      if (report == null) {
        more = true;  // transient failure, or someone else's update still running: look again soon
      } else {
        DuePairs.put(reports, pair.account(), pair.region(), report);
        DriftReason.of(report.driftReason()).ifPresent(reason -> {
          drifted.put(pair.label(), reason);
          if (report.state() != BootstrapState.DRIFTED) {
            repaired.add(pair.label() + " (" + reason + ")");
          }
        });
        if (report.state() == BootstrapState.FAILED) {
          failures.add(pair.label() + ": " + report.message());
        }
        more |= report.state() == BootstrapState.UPDATING;
      }
      if (e.getValue().wrote()) {
        written.add(pair.label());
      }
    }
    Map<String, List<RegionBootstrap>> out = new LinkedHashMap<>();
    reports.forEach((account, byRegion) -> out.put(account, List.copyOf(byRegion.values())));
    return new Outcome(out, more, written, failures, drifted, repaired, Optional.empty());
  }

  /**
   * Clears {@code policyName} out of every bootstrap stack that carries it ({@link BootstrapClearing}):
   * the first step of deleting a boundary.
   */
  public BootstrapClearing.Outcome clear(String stackName, String policyName, Collection<String> accounts,
      Reach reach) {
    return BootstrapClearing.clear(pool, stackName, policyName, reach.pairs(accounts), reach::open);
  }

  /** The least finished state of an account's regions. */
  public static BootstrapState overall(List<RegionBootstrap> regions) {
    return regions.stream().map(RegionBootstrap::state).min(WORST).orElse(BootstrapState.PENDING);
  }

  /**
   * The account's probes: in full in the first of the stage's regions the account has enabled,
   * elsewhere only for a role that lost its boundary.
   */
  private static ProbePlan probePlan(ProbePlan plan, boolean probeRegion) {
    return plan == null || probeRegion ? plan : plan.onlyWhenLost();
  }

  /** What the stage wants of every bootstrap stack. */
  public static Want want(StageSpec spec, BoundaryDocument doc) {
    StageSpec.Bootstrap b = spec.bootstrapOrDefault();
    return new Want(doc.policyName(), b.applyToAllRolesOrDefault(), b.qualifierOrDefault(),
        b.stackNameOrDefault(), b.minimumVersionOrDefault(), b.createIfMissingOrDefault(), b.executionPolicies(),
        b.trustedAccounts(), b.trustedAccountsForLookup());
  }
}
