package io.stageboundary.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RetryToken;
import software.amazon.awssdk.retries.api.TokenAcquisitionFailedException;

class ThrottledAttemptsTest {
  private final ThrottledAttempts strategy = new ThrottledAttempts(AwsRetryStrategy.standardRetryStrategy().toBuilder()
      .maxAttempts(5).build());

  private static AwsServiceException error(String code, int status) {
    return AwsServiceException.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("Rate exceeded").build()).build();
  }

  /** One call as the SDK makes it: a token, then a refresh after each failed attempt. */
  private void call(AwsServiceException... failures) {
    RetryToken token = strategy.acquireInitialToken(AcquireInitialTokenRequest.create("member")).token();
    for (AwsServiceException f : failures) {
      try {
        token = strategy.refreshRetryToken(RefreshRetryTokenRequest.builder().token(token).failure(f)
            .suggestedDelay(Duration.ZERO).build()).token();
      } catch (TokenAcquisitionFailedException e) {
        return;  // not retried: the call fails with f
      }
    }
  }

  @Test
  void countsTheAttemptsAwsThrottledOfTheCallOnThisThread() {
    List<Integer> told = new ArrayList<>();
    ThrottledAttempts.counting(() -> {
      call(error("Throttling", 400), error("ThrottlingException", 400));
      return null;
    }, told::add);
    ThrottledAttempts.counting(() -> {
      call(error("AccessDenied", 403));
      return null;
    }, told::add);
    ThrottledAttempts.counting(() -> null, told::add);
    assertThat(told).containsExactly(2, 0, 0);
  }

  @Test
  void aCallInsideAnotherCountsForItselfAndAFailedCallStillTells() {
    List<String> told = new ArrayList<>();
    try {
      ThrottledAttempts.counting(() -> {
        call(error("Throttling", 400));
        ThrottledAttempts.counting(() -> {
          call(error("Throttling", 400), error("Throttling", 400));
          return null;
        }, n -> told.add("inner " + n));
        call(error("RequestLimitExceeded", 400));
        throw error("Throttling", 400);
      }, n -> told.add("outer " + n));
    } catch (AwsServiceException expected) {
      // the call failed; its attempts were told all the same
    }
    assertThat(told).containsExactly("inner 2", "outer 2");
    // outside any counted call nothing is kept
    call(error("Throttling", 400));
  }
}
