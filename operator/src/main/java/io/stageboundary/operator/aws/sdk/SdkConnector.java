package io.stageboundary.operator.aws.sdk;

import io.micrometer.core.instrument.MeterRegistry;
import io.stageboundary.operator.aws.AccessKeys;
import io.stageboundary.operator.aws.AccountRegions;
import io.stageboundary.operator.aws.AwsConnector;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BoundaryPolicies;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.Connection;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.aws.OrganizationDirectory;
import io.stageboundary.operator.aws.ServiceControlPolicies;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;

/**
 * The AWS SDK behind our ports. One HTTP connection pool for every organisation and member
 * session, so connections are reused across accounts.
 */
public final class SdkConnector implements AwsConnector {
  private static final List<String> SERVICES = List.of("organizations", "cloudformation", "sts", "iam", "ssm",
      "account");

  /**
   * What every organisation shares unless its AwsOrganization says otherwise.
   *
   * @param credentials the first hop when no Secret is named (the SDK default chain in a cluster)
   * @param endpoint endpoint for every AWS service an AwsOrganization does not override (the SDK
   *     also honours AWS_ENDPOINT_URL)
   * @param maxAttempts attempts per AWS call, retries with adaptive backoff included
   */
  /**
   * @param memberRoleRetry how long a member account whose role STS refused is left alone before
   *     the next AssumeRole (doubling on each refusal, to thirty times as long)
   */
  public record Defaults(Supplier<AwsCredentialsProvider> credentials, Optional<URI> endpoint, int maxAttempts,
      CallRates rates, Duration memberRoleRetry) {
    public static Defaults standard() {
      return new Defaults(() -> DefaultCredentialsProvider.builder().build(), Optional.empty(), 8, CallRates.standard(),
          MemberSession.FIRST_BACKOFF);
    }
  }

  private final Defaults defaults;
  private final MeterRegistry registry;
  private final SdkHttpClient http = ApacheHttpClient.builder().maxConnections(64).build();

  /** One bound on member-account calls for the whole operator, whatever organisation they are for. */
  private final CallRates.Limiter rates;

  public SdkConnector(Defaults defaults, MeterRegistry registry) {
    this.defaults = defaults;
    this.rates = defaults.rates().limiter();
    this.registry = registry;
    AwsCallMetrics.registerGauges(registry);
  }

  /** The pace of member-account calls, shared by every organisation: for tests of it. */
  CallRates.Limiter rates() {
    return rates;
  }

  @Override
  public OrganizationAws connect(Connection c) {
    Map<String, URI> endpoints = new LinkedHashMap<>(c.endpoints());
    defaults.endpoint().ifPresent(d -> SERVICES.forEach(svc -> endpoints.putIfAbsent(svc, d)));
    AwsCredentialsProvider base = c.keys().map(SdkConnector::staticCredentials)
        .orElseGet(() -> defaults.credentials().get());
    AwsAccess access = new AwsAccess(new AwsSettings(c.region(), base, c.roleArn(), c.externalId(),
        c.memberRoleName(), endpoints, defaults.maxAttempts(), defaults.memberRoleRetry()), http, registry, rates);
    SdkAccountRegions regions = new SdkAccountRegions(access, memoized(() -> callerAccountId(access)));
    return new Organization(access, new SdkOrganizationDirectory(access, regions::forget),
        new SdkBoundaryStackSets(access::cloudFormation, c.delegatedAdmin()), new SdkServiceControlPolicies(access),
        regions);
  }

  private static AwsCredentialsProvider staticCredentials(AccessKeys k) {
    return StaticCredentialsProvider.create(k.sessionToken() == null
        ? AwsBasicCredentials.create(k.accessKeyId(), k.secretAccessKey())
        : AwsSessionCredentials.create(k.accessKeyId(), k.secretAccessKey(), k.sessionToken()));
  }

  @Override
  public void close() {
    http.close();
  }

  private static String callerAccountId(AwsAccess access) {
    try {
      return access.sts().getCallerIdentity().account();
    } catch (SdkException e) {
      throw SdkFailures.of("STS GetCallerIdentity", e);
    }
  }

  /** Asked once, when first needed; a failure is asked again the next time. */
  private static Supplier<String> memoized(Supplier<String> ask) {
    java.util.concurrent.atomic.AtomicReference<String> known = new java.util.concurrent.atomic.AtomicReference<>();
    return () -> {
      String v = known.get();
      if (v == null) {
        v = ask.get();
        known.set(v);
      }
      return v;
    };
  }

  private record Organization(AwsAccess access, OrganizationDirectory directory, BoundaryStackSets stackSets,
      ServiceControlPolicies serviceControlPolicies, AccountRegions regions) implements OrganizationAws {
    @Override
    public String region() {
      return access.settings().region();
    }

    @Override
    public String callerAccountId() {
      return SdkConnector.callerAccountId(access);
    }

    @Override
    public BoundaryPolicies policies(String accountId) {
      return new SdkBoundaryPolicies(access.member(accountId));
    }

    @Override
    public BootstrapStacks bootstrapStacks(String accountId, String region) {
      return new SdkBootstrapStacks(access.member(accountId), region);
    }

    @Override
    public Optional<Instant> sessionReusableUntil(String accountId) {
      return access.sessionReusableUntil(accountId);
    }

    @Override
    public void close() {
      access.close();
    }
  }
}
