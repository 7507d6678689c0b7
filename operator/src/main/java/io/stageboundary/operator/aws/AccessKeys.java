package io.stageboundary.operator.aws;

/**
 * Static credentials read from a Secret (development only; in a cluster the SDK default chain is
 * used). {@link #toString()} never shows them, so they cannot leak into a log line by accident.
 */
public record AccessKeys(String accessKeyId, String secretAccessKey, String sessionToken) {
  @Override
  public String toString() {
    return "AccessKeys[redacted]";
  }
}
