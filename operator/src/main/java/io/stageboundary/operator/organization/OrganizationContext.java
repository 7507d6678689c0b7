package io.stageboundary.operator.organization;

import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * What the operator holds for one AwsOrganization: its AWS side, and the last snapshot of its OUs
 * and accounts, read again when older than the refresh interval.
 */
public final class OrganizationContext implements AutoCloseable {
  private final String key;
  private final OrganizationAws aws;
  private final Duration refreshInterval;
  private final Clock clock;
  private OrganizationSnapshot snapshot;
  private Instant readAt;

  public OrganizationContext(String key, OrganizationAws aws, Duration refreshInterval, Clock clock) {
    this.key = key;
    this.aws = aws;
    this.refreshInterval = refreshInterval;
    this.clock = clock;
  }

  String key() {
    return key;
  }

  public OrganizationAws aws() {
    return aws;
  }

  public BoundaryStackSets stackSets() {
    return aws.stackSets();
  }

  public String region() {
    return aws.region();
  }

  public Duration refreshInterval() {
    return refreshInterval;
  }

  /** The organisation's structure, read again when older than the refresh interval. */
  public OrganizationSnapshot snapshot() {
    return refreshIfOlderThan(refreshInterval);
  }

  /**
   * Reads again if the snapshot is older than {@code minAge}; used when a Stage names an OU or
   * account the snapshot does not know yet (just created), without letting a typo force a read
   * on every reconcile.
   */
  public synchronized OrganizationSnapshot refreshIfOlderThan(Duration minAge) {
    if (snapshot == null || readAt.plus(minAge).isBefore(clock.instant())) {
      snapshot = aws.directory().read();
      readAt = clock.instant();
    }
    return snapshot;
  }

  @Override
  public void close() {
    aws.close();
  }
}
