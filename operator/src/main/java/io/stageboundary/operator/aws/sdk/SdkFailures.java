package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.AwsFailure;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** Turns SDK exceptions into {@link AwsFailure}s: the only place that reads them. */
final class SdkFailures {
  private SdkFailures() {}

  /** Wraps an SDK exception; {@code call} names the call, e.g. "CloudFormation UpdateStackSet". */
  static AwsFailure of(String call, SdkException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AwsFailure f) {
        return f;  // decided where it happened: the member session's refused AssumeRole
      }
    }
    if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
      String code = s.awsErrorDetails().errorCode();
      String message = s.awsErrorDetails().errorMessage();
      AwsFailure.Kind kind = AwsFailure.classify(code, s.statusCode(), s.isThrottlingException());
      return new AwsFailure(kind, code, call + " failed: " + code
          + (message == null || message.isBlank() ? "" : " (" + message + ")"), e);
    }
    if (e instanceof SdkClientException) {
      return new AwsFailure(AwsFailure.Kind.UNAVAILABLE, "ClientError", call + " failed: "
          + firstLine(e.getMessage()), e);
    }
    return new AwsFailure(AwsFailure.Kind.OTHER, "Unknown", call + " failed: " + firstLine(e.getMessage()), e);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no detail";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
