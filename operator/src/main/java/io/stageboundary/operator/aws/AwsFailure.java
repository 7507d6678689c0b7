package io.stageboundary.operator.aws;

/**
 * An AWS call that did not succeed, classified by what the operator should do about it; the SDK
 * adapter ({@code aws.sdk.SdkFailures}) makes them from SDK exceptions. The message is safe to show in status and events: the service's error code and message, never
 * request signatures or credentials.
 */
public final class AwsFailure extends RuntimeException {
  public enum Kind {
    /** Another StackSet operation is running: come back later, not an error. */
    BUSY,
    /** Rate exceeded even after the SDK's retries: back off and come back. */
    THROTTLED,
    /** The service or network is unavailable: back off and come back. */
    UNAVAILABLE,
    /** The credentials lack a permission or a role cannot be assumed: needs a human. */
    ACCESS_DENIED,
    /**
     * The operator's member role cannot be assumed in the account: it does not exist there, or its
     * trust policy does not name the operator. The account is left alone (no tight retry) until
     * the role is deployed; the other accounts go on.
     */
    MEMBER_ROLE_UNAVAILABLE,
    /** The request was refused as invalid: needs a human (or a bug). */
    INVALID,
    /** The thing addressed does not exist. */
    NOT_FOUND,
    /** An operation with this id was already started (a retry after a restart). */
    ALREADY_EXISTS,
    OTHER;

    public boolean transientFailure() {
      return this == BUSY || this == THROTTLED || this == UNAVAILABLE;
    }
  }

  private final Kind kind;
  private final String errorCode;
  private final java.time.Instant retryAt;

  public AwsFailure(Kind kind, String errorCode, String message, Throwable cause) {
    this(kind, errorCode, message, cause, null);
  }

  /** @param retryAt the earliest the call is tried again, when that is known (a member session backing off) */
  public AwsFailure(Kind kind, String errorCode, String message, Throwable cause, java.time.Instant retryAt) {
    super(message, cause);
    this.kind = kind;
    this.errorCode = errorCode;
    this.retryAt = retryAt;
  }

  public java.util.Optional<java.time.Instant> retryAt() {
    return java.util.Optional.ofNullable(retryAt);
  }

  public Kind kind() {
    return kind;
  }

  public String errorCode() {
    return errorCode;
  }

  /** What to do about an AWS error code (and HTTP status), whichever service answered it. */
  public static Kind classify(String code, int status, boolean throttling) {
    if (code == null) {
      return status >= 500 ? Kind.UNAVAILABLE : Kind.OTHER;
    }
    if (code.equals("OperationInProgressException") || code.equals("StaleRequestException")) {
      return Kind.BUSY;
    }
    if (code.equals("OperationIdAlreadyExistsException")) {
      return Kind.ALREADY_EXISTS;
    }
    if (throttling || code.contains("Throttl") || code.equals("TooManyRequestsException")
        || code.equals("RequestLimitExceeded") || code.equals("SlowDown")) {
      return Kind.THROTTLED;
    }
    if (code.equals("AccessDenied") || code.equals("AccessDeniedException")
        || code.equals("UnauthorizedOperation") || code.equals("InvalidClientTokenId")
        || code.equals("ExpiredToken") || code.equals("ExpiredTokenException")
        || code.equals("SignatureDoesNotMatch") || code.equals("AWSOrganizationsNotInUseException")) {
      return Kind.ACCESS_DENIED;
    }
    if (code.endsWith("NotFoundException") || code.equals("NoSuchEntity")
        || code.equals("ParameterNotFound")) {
      return Kind.NOT_FOUND;
    }
    if (status >= 500 || code.equals("ServiceUnavailable") || code.equals("InternalFailure")) {
      return Kind.UNAVAILABLE;
    }
    if (code.equals("ValidationError") || code.startsWith("Invalid") || code.startsWith("Malformed")) {
      return Kind.INVALID;
    }
    return Kind.OTHER;
  }
}
