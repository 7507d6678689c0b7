package io.stageboundary.operator.aws.sdk;

import java.util.function.IntConsumer;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.AcquireInitialTokenResponse;
import software.amazon.awssdk.retries.api.RecordSuccessRequest;
import software.amazon.awssdk.retries.api.RecordSuccessResponse;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenResponse;
import software.amazon.awssdk.retries.api.RetryStrategy;

/**
 * The member clients' retry strategy: the SDK's own, which also counts, for the call running on
 * this thread ({@link #counting}), how many of its attempts AWS throttled. The SDK asks its retry
 * strategy after every failed attempt, on the thread that made the call (the clients are
 * synchronous), so the count needs nothing else of the SDK.
 *
 * <p>It was a {@code MetricPublisher} on every request, reading each attempt's error type. A
 * publisher switches on the SDK's metric collection, and that renders each request's URI with its
 * parameters: for a {@code CreateStack} or {@code UpdateStack} that URL-encodes the 32 KB CDK
 * bootstrap template, quadratic in its 11,000 spaces in the SDK's {@code StringUtils.replaceEach}.
 * Thread dumps of the 3 × 1,000 × 2 apply found most of the operator's busy samples there.
 */
final class ThrottledAttempts implements RetryStrategy {
  private static final ThreadLocal<int[]> COUNT = new ThreadLocal<>();
  private final RetryStrategy sdk;

  ThrottledAttempts(RetryStrategy sdk) {
    this.sdk = sdk;
  }

  /** Runs {@code call}; then tells {@code throttled} how many of its attempts AWS throttled. */
  static <R> R counting(Supplier<R> call, IntConsumer throttled) {
    int[] outer = COUNT.get();
    int[] count = {0};
    COUNT.set(count);
    try {
      return call.get();
    } finally {
      COUNT.set(outer);
      throttled.accept(count[0]);
    }
  }

  @Override
  public RefreshRetryTokenResponse refreshRetryToken(RefreshRetryTokenRequest request) {
    int[] count = COUNT.get();
    if (count != null && request.failure() instanceof SdkException e && RetryUtils.isThrottlingException(e)) {
      count[0]++;
    }
    return sdk.refreshRetryToken(request);
  }

  @Override
  public AcquireInitialTokenResponse acquireInitialToken(AcquireInitialTokenRequest request) {
    return sdk.acquireInitialToken(request);
  }

  @Override
  public RecordSuccessResponse recordSuccess(RecordSuccessRequest request) {
    return sdk.recordSuccess(request);
  }

  @Override
  public int maxAttempts() {
    return sdk.maxAttempts();
  }

  @Override
  public Builder<?, ?> toBuilder() {
    // what the builder makes would not count; nothing in the operator builds from it
    return sdk.toBuilder();
  }
}
