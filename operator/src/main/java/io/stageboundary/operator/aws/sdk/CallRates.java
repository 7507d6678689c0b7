package io.stageboundary.operator.aws.sdk;

import com.google.common.util.concurrent.RateLimiter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's own bound on the AWS calls it makes into member accounts: at most
 * {@code perAccount} calls a second into one account (all its regions and services together) and
 * {@code total} a second into all of them. AWS publishes no per-API rates for CloudFormation or
 * Organizations (STS allows 600 requests a second per account and region) and throttles per
 * account and region; staying under a rate of our own keeps one busy stage from spending an
 * account's budget that its teams' pipelines also draw on, and makes the operator's concurrency a
 * matter of rates, not threads: a call waits here for its turn instead of being throttled and
 * retried. The SDK's adaptive retry still handles the throttling that happens anyway.
 *
 * @param perAccount calls a second into one member account; 0 for no limit
 * @param total calls a second into all member accounts together; 0 for no limit
 */
public record CallRates(double perAccount, double total) {
  /** Far under what AWS allows per account, and more than the emulator answers in all. */
  public static CallRates standard() {
    return new CallRates(10, 200);
  }

  /** A limiter per account, and one shared by all. */
  Limiter limiter() {
    return new Limiter(this);
  }

  static final class Limiter {
    /** The slowest a throttled (account, service) is slowed to: one call in five seconds. */
    static final double FLOOR = 0.2;
    /** What an (account, service) may send when no per-account rate is set, once AWS throttled it. */
    static final double UNSET_CEILING = 50;
    private final CallRates rates;
    private final RateLimiter total;
    private final Map<String, RateLimiter> accounts = new ConcurrentHashMap<>();
    private final Map<String, RateLimiter> slowed = new ConcurrentHashMap<>();

    private Limiter(CallRates rates) {
      this.rates = rates;
      this.total = rates.total() > 0 ? RateLimiter.create(rates.total()) : null;
    }

    /** Waits until a call into {@code account} may be sent. */
    void acquire(String account) {
      acquire(account, null);
    }

    /** Waits until a call to {@code service} in {@code account} may be sent. */
    void acquire(String account, String service) {
      if (service != null) {
        RateLimiter s = slowed.get(account + "/" + service);
        if (s != null) {
          s.acquire();
        }
      }
      if (rates.perAccount() > 0) {
        accounts.computeIfAbsent(account, a -> RateLimiter.create(rates.perAccount())).acquire();
      }
      if (total != null) {
        total.acquire();
      }
    }

    /**
     * AWS throttled a call to {@code service} in {@code account}: that account's calls to that
     * service go at half the rate they went (down to {@link #FLOOR}); other accounts, and the
     * account's other services, are not slowed. AWS throttles per account, region and API, so one
     * busy account must not slow the rest, as a limiter per client shared by all accounts would.
     */
    void throttled(String account, String service) {
      slowed.compute(account + "/" + service, (k, s) -> {
        double now = s == null ? ceiling() : s.getRate();
        double next = Math.max(FLOOR, now / 2);
        if (s == null) {
          return RateLimiter.create(next);
        }
        s.setRate(next);
        return s;
      });
    }

    /** A call went through unthrottled: the rate comes back by a twentieth of the ceiling, up to it. */
    void succeeded(String account, String service) {
      if (slowed.isEmpty()) {
        return;
      }
      slowed.computeIfPresent(account + "/" + service, (k, s) -> {
        double next = s.getRate() + ceiling() / 20;
        if (next >= ceiling()) {
          return null;
        }
        s.setRate(next);
        return s;
      });
    }

    /** The rate an (account, service) is held to now; empty when it is not slowed. */
    java.util.OptionalDouble slowedTo(String account, String service) {
      RateLimiter s = slowed.get(account + "/" + service);
      return s == null ? java.util.OptionalDouble.empty() : java.util.OptionalDouble.of(s.getRate());
    }

    private double ceiling() {
      return rates.perAccount() > 0 ? rates.perAccount() : UNSET_CEILING;
    }
  }
}
