package io.stageboundary.operator.reconcile;

import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.aws.AwsAccess;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.OrganizationDirectory;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * What the operator holds for one AwsOrganization: its AWS clients, its StackSets access, and the
 * last snapshot of its OUs and accounts, read again when older than the refresh interval.
 */
public final class OrganizationContext implements AutoCloseable {
  private final String key;
  private final AwsAccess aws;
  private final OrganizationDirectory directory;
  private final BoundaryStackSets stackSets;
  private final Duration refreshInterval;
  private final Clock clock;
  private OrganizationSnapshot snapshot;
  private Instant readAt;

  OrganizationContext(String key, AwsAccess aws, OrganizationDirectory directory,
      BoundaryStackSets stackSets, Duration refreshInterval, Clock clock) {
    this.key = key;
    this.aws = aws;
    this.directory = directory;
    this.stackSets = stackSets;
    this.refreshInterval = refreshInterval;
    this.clock = clock;
  }

  String key() {
    return key;
  }

  public AwsAccess aws() {
    return aws;
  }

  public BoundaryStackSets stackSets() {
    return stackSets;
  }

  public String region() {
    return aws == null ? null : aws.settings().region();
  }

  public Duration refreshInterval() {
    return refreshInterval;
  }

  /** The organisation's structure, read again when older than the refresh interval. */
  public synchronized OrganizationSnapshot snapshot() {
    if (snapshot == null || readAt.plus(refreshInterval).isBefore(clock.instant())) {
      snapshot = directory.read();
      readAt = clock.instant();
    }
    return snapshot;
  }

  /**
   * Reads again if the snapshot is older than {@code minAge}; used when a Stage names an OU or
   * account the snapshot does not know yet (just created), without letting a typo force a read
   * on every reconcile.
   */
  public synchronized OrganizationSnapshot refreshIfOlderThan(Duration minAge) {
    if (snapshot == null || readAt.plus(minAge).isBefore(clock.instant())) {
      snapshot = directory.read();
      readAt = clock.instant();
    }
    return snapshot;
  }

  static String keyOf(AwsOrganization org, String credentialsVersion) {
    return org.getMetadata().getUid() + "/" + org.getMetadata().getGeneration() + "/" + credentialsVersion;
  }

  @Override
  public void close() {
    if (aws != null) {
      aws.close();
    }
  }
}
