package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.AccountRegions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.account.model.Region;
import software.amazon.awssdk.services.account.model.RegionOptStatus;

/**
 * Account Management's {@code ListRegions} for a member account, asked as the operator (the
 * management account, or a delegated administrator for account.amazonaws.com, with trusted access
 * on): one call per account, and only for an account asked about an opt-in region. Answers are kept
 * until the organisation is read again ({@link #forget}, at its refreshInterval), so a region
 * someone enables is picked up then. ENABLING counts as not enabled yet and DISABLING as still
 * enabled, as AWS's endpoints answer. When the question itself is refused (no trusted access, no
 * permission), the region counts as enabled, as before this check existed, and a warning says
 * once what to set up.
 */
final class SdkAccountRegions implements AccountRegions {
  private static final Logger LOG = Logger.getLogger(SdkAccountRegions.class);
  private static final Set<RegionOptStatus> ON = Set.of(RegionOptStatus.ENABLED, RegionOptStatus.ENABLED_BY_DEFAULT,
      RegionOptStatus.DISABLING);
  private final AwsAccess aws;
  private final Supplier<String> operatorAccount;
  private final Map<String, Optional<Set<String>>> enabledByAccount = new ConcurrentHashMap<>();
  private final AtomicBoolean warned = new AtomicBoolean();

  SdkAccountRegions(AwsAccess aws, Supplier<String> operatorAccount) {
    this.aws = aws;
    this.operatorAccount = operatorAccount;
  }

  @Override
  public boolean enabled(String accountId, String region) {
    if (ENABLED_BY_DEFAULT.contains(region)) {
      return true;
    }
    return enabledByAccount.computeIfAbsent(accountId, this::read).map(on -> on.contains(region)).orElse(true);
  }

  /** The account's enabled regions; empty when they cannot be read (every region then counts as enabled). */
  private Optional<Set<String>> read(String accountId) {
    try {
      String target = accountId.equals(operatorAccount.get()) ? null : accountId;
      return Optional.of(aws.account().listRegionsPaginator(r -> r.accountId(target)).stream()
          .flatMap(p -> p.regions().stream()).filter(r -> ON.contains(r.regionOptStatus()))
          .map(Region::regionName).collect(Collectors.toUnmodifiableSet()));
    } catch (SdkException | IllegalStateException e) {
      if (warned.compareAndSet(false, true)) {
        LOG.warnf("cannot read which opt-in regions member accounts have enabled (%s): every target region is "
            + "treated as enabled. Enable trusted access for account.amazonaws.com, register the operator's account "
            + "as its delegated administrator if it is not the management account, and allow account:ListRegions "
            + "(docs/iam)", e instanceof SdkException s ? SdkFailures.of("Account Management", s).getMessage()
            : e.getMessage());
      }
      return Optional.empty();
    }
  }

  /** The organisation is read again: ask again. */
  void forget() {
    enabledByAccount.clear();
  }
}
