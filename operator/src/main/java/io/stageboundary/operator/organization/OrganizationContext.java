package io.stageboundary.operator.organization;

import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.aws.OrganizationDirectory;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * What the operator holds for one AwsOrganization: its AWS side, and the last snapshot of its OUs
 * and accounts, read again when older than the refresh interval. Every other refresh reads the
 * whole tree; those between read only where something can have changed
 * ({@link OrganizationDirectory#reread}: about half the calls, as most OUs have no child OUs).
 */
public final class OrganizationContext implements AutoCloseable {
  private final String key;
  private final OrganizationAws aws;
  private final Duration refreshInterval;
  private final Clock clock;
  private OrganizationSnapshot snapshot;
  private Instant readAt;
  private Instant wholeReadAt;

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

  /**
   * The organisation's structure, read again when older than the refresh interval: the whole tree
   * when the last whole read is two intervals old, else only where something can have changed.
   */
  public synchronized OrganizationSnapshot snapshot() {
    Instant now = clock.instant();
    if (snapshot == null || !wholeReadAt.plus(refreshInterval.multipliedBy(2)).isAfter(now)) {
      return readWhole(refreshInterval);
    }
    if (readAt.plus(refreshInterval).isBefore(now)) {
      snapshot = aws.directory().reread(snapshot);
      readAt = now;
    }
    return snapshot;
  }

  /**
   * Reads the whole organisation again if the snapshot is older than {@code minAge}; used when a
   * Stage names an OU or account the snapshot does not know yet (just created), without letting a
   * typo force a read on every reconcile.
   */
  public synchronized OrganizationSnapshot refreshIfOlderThan(Duration minAge) {
    return readWhole(minAge);
  }

  private OrganizationSnapshot readWhole(Duration minAge) {
    if (snapshot == null || readAt.plus(minAge).isBefore(clock.instant())) {
      snapshot = aws.directory().read();
      readAt = clock.instant();
      wholeReadAt = readAt;
    }
    return snapshot;
  }

  @Override
  public void close() {
    aws.close();
  }
}
