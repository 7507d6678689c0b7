package io.stageboundary.benchmark;

import io.stageboundary.testenv.EmulatorAdmin;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

/**
 * The organisation at rest: every stage Ready, nothing changing, the operator running with every
 * setting at its default but the run's poll interval (drift checks every hour, the organisation read
 * every refresh interval, proofs standing for a day). Every AWS call the emulator answers over a
 * window of at least an hour (so every account's hourly check falls in it) is counted and reported
 * per account and hour, and apart the calls made in the member accounts themselves (what counts
 * against each account's own API rates) from those the operator makes in its own accounts
 * (Organizations, StackSets and STS, as the management account or delegated administrator).
 *
 * @param minutes the window
 * @param calls every AWS call answered in it
 * @param inMembers those made in a member account the stages target
 * @param byOperation those calls by service:operation
 * @param stagePasses the operator's passes over the stages in it, all stages together: each reads the
 *     stage's stack set (and, with a guardrail, its SCP), so they explain the shared reads
 */
record AtRest(double minutes, int accounts, long calls, long inMembers, SortedMap<String, Long> byOperation,
    long stagePasses) {

  double callsPerAccountPerHour() {
    return calls / (double) accounts / (minutes / 60.0);
  }

  double perAccountPerHour(long n) {
    return n / (double) accounts / (minutes / 60.0);
  }

  double passesPerStagePerHour() {
    return stagePasses / (double) ScaleOrganization.STAGES.size() / (minutes / 60.0);
  }

  static AtRest measure(EmulatorAdmin emulator, OperatorUnderTest op, Set<String> members, Duration window)
      throws InterruptedException {
    emulator.clearCalls();
    double passesBefore = stagePasses(op);
    long start = System.nanoTime();
    long end = start + window.toNanos();
    BenchmarkMain.progress("at rest: counting AWS calls for %d minutes", window.toMinutes());
    while (System.nanoTime() < end) {
      Thread.sleep(Math.min(Duration.ofMinutes(5).toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
      BenchmarkMain.progress("  at rest: %.0f of %d minutes", BenchmarkMain.seconds(start) / 60, window.toMinutes());
    }
    double minutes = BenchmarkMain.seconds(start) / 60;
    List<EmulatorAdmin.Call> calls = emulator.calls();
    long inMembers = calls.stream().filter(c -> members.contains(c.account())).count();
    long passes = Math.round(stagePasses(op) - passesBefore);
    AtRest rest = new AtRest(minutes, members.size(), calls.size(), inMembers, BenchmarkMain.byOperation(calls), passes);
    BenchmarkMain.progress("at rest: %d AWS calls in %.0f minutes, %.2f per account and hour (%.2f in the account itself);"
        + " %d passes over the stages", calls.size(), minutes, rest.callsPerAccountPerHour(),
        rest.perAccountPerHour(inMembers), passes);
    return rest;
  }

  /** How many passes over a Stage the operator has made since it started (its reconcile histogram's count). */
  private static double stagePasses(OperatorUnderTest op) {
    return Prometheus.sum(op.metrics(), "stage_boundary_reconcile_seconds_count", l -> l.contains("controller=\"stage\""));
  }
}
