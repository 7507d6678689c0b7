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
    private final CallRates rates;
    private final RateLimiter total;
    private final Map<String, RateLimiter> accounts = new ConcurrentHashMap<>();

    private Limiter(CallRates rates) {
      this.rates = rates;
      this.total = rates.total() > 0 ? RateLimiter.create(rates.total()) : null;
    }

    /** Waits until a call into {@code account} may be sent. */
    void acquire(String account) {
      if (rates.perAccount() > 0) {
        accounts.computeIfAbsent(account, a -> RateLimiter.create(rates.perAccount())).acquire();
      }
      if (total != null) {
        total.acquire();
      }
    }
  }
}
