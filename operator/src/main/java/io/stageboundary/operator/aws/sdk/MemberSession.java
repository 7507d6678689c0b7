package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.AwsFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The operator's session in one member account. STS refuses AssumeRole into a role that does not
 * exist or does not trust the caller (AccessDenied); the session then remembers the refusal and
 * answers every call with it, without asking STS again, until a backoff has passed (one minute,
 * doubling to thirty): an account without the member role costs one AssumeRole per backoff, not
 * one per call, and is picked up by itself once the role is there. (The first backoff is
 * {@code sbo.member-role-retry}.)
 *
 * <p>It also tells until when the credentials it holds serve calls ({@link #reusableUntil}): the
 * SDK takes new ones at the first call after {@link #PREFETCH} before they expire.
 */
final class MemberSession implements AwsCredentialsProvider, AutoCloseable {
  static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
  /** How long before its credentials expire the SDK replaces them at the next call (set on the provider). */
  static final Duration PREFETCH = Duration.ofMinutes(5);
  /** How long before they expire no call may use them any more (set on the provider). */
  static final Duration STALE = Duration.ofMinutes(1);
  private final Duration firstBackoff;
  private final String roleArn;
  private final AwsCredentialsProvider assumed;
  private final Clock clock;
  private volatile Refusal refusal;
  private volatile Instant expires;

  private record Refusal(int attempts, Instant retryAt, String detail) {}

  MemberSession(String roleArn, AwsCredentialsProvider assumed, Duration firstBackoff, Clock clock) {
    this.roleArn = roleArn;
    this.firstBackoff = firstBackoff;
    this.assumed = assumed;
    this.clock = clock;
  }

  @Override
  public AwsCredentials resolveCredentials() {
    Refusal r = refusal;
    if (r != null && clock.instant().isBefore(r.retryAt())) {
      throw failure(r);
    }
    try {
      AwsCredentials c = assumed.resolveCredentials();
      refusal = null;
      expires = c instanceof AwsSessionCredentials s ? s.expirationTime().orElse(null) : null;
      return c;
    } catch (SdkException e) {
      String code = e instanceof AwsServiceException s && s.awsErrorDetails() != null ? s.awsErrorDetails().errorCode()
          : null;
      if (!"AccessDenied".equals(code)) {
        throw e;
      }
      int attempts = r == null ? 0 : r.attempts() + 1;
      Duration wait = firstBackoff.multipliedBy(Math.min(1L << Math.min(attempts, 5), 30));
      Refusal next = new Refusal(attempts, clock.instant().plus(wait),
          ((AwsServiceException) e).awsErrorDetails().errorMessage());
      refusal = next;
      throw failure(next);
    }
  }

  /** Until when calls go on the credentials held now, without a new AssumeRole; empty when none are held. */
  Optional<Instant> reusableUntil() {
    Instant e = expires;
    if (e == null || refusal != null) {
      return Optional.empty();
    }
    Instant until = e.minus(PREFETCH);
    return until.isAfter(clock.instant()) ? Optional.of(until) : Optional.empty();
  }

  private AwsFailure failure(Refusal r) {
    return new AwsFailure(AwsFailure.Kind.MEMBER_ROLE_UNAVAILABLE, "AccessDenied", "STS AssumeRole of " + roleArn
        + " was refused (" + r.detail() + "); next attempt at " + r.retryAt().truncatedTo(ChronoUnit.SECONDS), null,
        r.retryAt());
  }

  @Override
  public void close() {
    if (assumed instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing a credentials cache
      }
    }
  }
}
