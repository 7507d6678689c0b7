package io.stageboundary.operator.stage.enforcement;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Boundary;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * When an account's checks at rest come: its boundary policy's ({@link BoundaryVerifier}) and its
 * CDK roles' in each region (the bootstrap runner's), each at the latest an interval after it was
 * last made, and together. One read of the account's IAM serves all of them for a few minutes
 * ({@link BoundaryVerifier#readAge}); apart, each would read again. So a check whose half interval
 * has passed comes along when another check of the same account is due, or was made a moment ago
 * ({@link #TOGETHER}): the checks a batch split over a few passes still share the read, and an
 * account's checks, wherever a rollout or a document change left each, fall due together after one
 * interval.
 *
 * <p>A check also needs a session in the account (STS AssumeRole), and a session of a role assumed
 * by a role lasts an hour at most, as long as the default interval: checked exactly an interval
 * apart, every check would take a new one. So an account whose session can still be used now but
 * no longer at the next pass at rest ({@link #sessionsEnding}) is in company too: its checks whose
 * half interval has passed come a little early on that session, and the check after them takes
 * the next. Two checks share a session; at the default hour an account costs about one read every
 * 55 minutes and one session every 110, instead of both every hour.
 *
 * <p>No check comes later than its interval, and none sooner than half of it.
 */
public final class ChecksAtRest {
  /**
   * How recently another check of the account was made for one to come along: a few passes, well
   * within the ten minutes one read of the account's IAM is kept.
   */
  public static final Duration TOGETHER = Duration.ofMinutes(5);

  private ChecksAtRest() {}

  /** Whether a check last made at {@code lastChecked} (null: never) is due by its own interval. */
  public static boolean due(String lastChecked, Duration interval, Instant now) {
    return lastChecked == null || !Instant.parse(lastChecked).plus(interval).isAfter(now);
  }

  /** Whether a check last made at {@code lastChecked} comes along with its account's others: half its interval passed. */
  public static boolean comesAlong(String lastChecked, Duration interval, Instant now) {
    return due(lastChecked, interval.dividedBy(2), now);
  }

  /**
   * The accounts whose member session can be used now but not at the next pass at rest, which
   * comes at the latest {@code nextPass} from now.
   *
   * @param reusableUntil per account, until when its session serves calls (empty: none held)
   */
  public static Set<String> sessionsEnding(Collection<String> accounts, Function<String, Optional<Instant>> reusableUntil,
      Instant now, Duration nextPass) {
    Set<String> out = new HashSet<>();
    Instant next = now.plus(nextPass);
    for (String account : accounts) {
      reusableUntil.apply(account).filter(until -> until.isAfter(now) && !until.isAfter(next))
          .ifPresent(until -> out.add(account));
    }
    return out;
  }

  /**
   * The accounts whose current checks come along ({@link #comesAlong}): a check of theirs at rest
   * is due now, or one was made within {@link #TOGETHER}, or their session ends before the next
   * pass.
   *
   * @param policies each account's policy check as last reported (or as this pass made it)
   * @param roles each account's CDK roles' checks, per region, as last reported
   * @param sessionsEnding accounts whose session ends before the next pass ({@link #sessionsEnding})
   */
  public static Set<String> inCompany(Map<String, Boundary> policies, Map<String, List<RegionBootstrap>> roles,
      Set<String> sessionsEnding, Duration interval, Instant now) {
    Set<String> out = new HashSet<>(sessionsEnding);
    policies.forEach((account, b) -> {
      if (b != null && calls(b.lastChecked(), b.state() == State.CURRENT, interval, now)) {
        out.add(account);
      }
    });
    roles.forEach((account, regions) -> {
      if (regions != null && regions.stream().anyMatch(r ->
          calls(r.lastChecked(), r.state() == BootstrapState.CURRENT, interval, now))) {
        out.add(account);
      }
    });
    return out;
  }

  /** A check made a moment ago, or a current one due now: the account's others may come along. */
  private static boolean calls(String lastChecked, boolean current, Duration interval, Instant now) {
    if (lastChecked == null) {
      return false;
    }
    return Instant.parse(lastChecked).plus(TOGETHER).isAfter(now) || (current && due(lastChecked, interval, now));
  }
}
