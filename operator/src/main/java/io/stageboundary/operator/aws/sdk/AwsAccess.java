package io.stageboundary.operator.aws.sdk;

import io.micrometer.core.instrument.MeterRegistry;
import io.stageboundary.operator.policy.BoundaryDocument;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * SDK clients for one organisation: the operator's own identity (optionally through a first role)
 * for Organizations and StackSets, and per-member-account sessions through the member role,
 * cached and refreshed by the SDK before they expire. Every client shares one HTTP connection
 * pool, retries adaptively with jitter, and reports each call to {@link AwsCallMetrics}.
 */
public final class AwsAccess implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AwsAccess.class);
  private static final String SESSION_NAME = "stage-boundary-operator";

  private final AwsSettings settings;
  private final SdkHttpClient http;
  private final MeterRegistry registry;
  private final AwsCredentialsProvider operatorCredentials;
  private final Map<String, Object> clients = new ConcurrentHashMap<>();
  private final Map<String, MemberAccess> members = new ConcurrentHashMap<>();
  /** When the members' IAM reads were last swept for ones no check can use any more. */
  private volatile Instant lastSweep = Instant.EPOCH;
  private final StsClient baseSts;
  private final CallRates.Limiter rates;
  /**
   * The timers of every client's call timeouts: one thread, where each SDK client would otherwise
   * start a scheduler of five threads of its own. A call that ends cancels its timer, which then
   * leaves the queue at once instead of when it would have fired (two minutes of calls' timers).
   */
  private final ScheduledExecutorService timers = timers();

  public AwsAccess(AwsSettings settings, SdkHttpClient http, MeterRegistry registry) {
    this(settings, http, registry, new CallRates(0, 0).limiter());
  }

  AwsAccess(AwsSettings settings, SdkHttpClient http, MeterRegistry registry, CallRates.Limiter rates) {
    this.settings = settings;
    this.http = http;
    this.registry = registry;
    this.rates = rates;
    this.baseSts = configure(StsClient.builder(), "sts", settings.baseCredentials(),
        settings.region(), settings.roleArn() == null ? "operator" : "base").build();
    this.operatorCredentials = settings.roleArn() == null ? settings.baseCredentials()
        : assumeRole(baseSts, settings.roleArn(), settings.externalId());
  }

  public AwsSettings settings() {
    return settings;
  }

  public OrganizationsClient organizations() {
    // Organizations is a global service with its endpoint in us-east-1 (or the partition's home).
    return cached("organizations", () -> configure(OrganizationsClient.builder(), "organizations",
        operatorCredentials, settings.region(), "operator").build());
  }

  public CloudFormationClient cloudFormation() {
    return cached("cloudformation", () -> configure(CloudFormationClient.builder(),
        "cloudformation", operatorCredentials, settings.region(), "operator").build());
  }

  /** Account Management, as the operator: a global service served from us-east-1. */
  public software.amazon.awssdk.services.account.AccountClient account() {
    return cached("account", () -> configure(software.amazon.awssdk.services.account.AccountClient.builder(),
        "account", operatorCredentials, "us-east-1", "operator").build());
  }

  public StsClient sts() {
    return cached("sts", () -> configure(StsClient.builder(), "sts", operatorCredentials,
        settings.region(), "operator").build());
  }

  /** Clients acting in a member account through the organisation's member role. */
  public MemberAccess member(String accountId) {
    return members.computeIfAbsent(accountId, id -> {
      String role = "arn:" + partition() + ":iam::" + id + ":role/" + settings.memberRoleName();
      return new MemberAccess(id, new MemberSession(role, assumeRole(sts(), role, null), settings.memberRoleRetry(),
          Clock.systemUTC()));
    });
  }

  /** Until when calls in the member account go on the session held now (see {@link MemberSession#reusableUntil}). */
  public Optional<Instant> sessionReusableUntil(String accountId) {
    MemberAccess m = members.get(accountId);
    return m != null && m.credentials instanceof MemberSession s ? s.reusableUntil() : Optional.empty();
  }

  /** At most once a minute, drops the IAM reads no check can use any more, so they hold no memory until the next hour. */
  private void forgetStaleDetails(Instant now) {
    if (lastSweep.plusSeconds(60).isAfter(now)) {
      return;
    }
    lastSweep = now;
    members.values().forEach(m -> m.forgetIfStale(now));
  }

  public String partition() {
    return BoundaryDocument.partitionOf(settings.region());
  }

  /**
   * Clients acting in one member account. They are views of clients shared by every member
   * account (one per service and region) that put this account's session credentials on each
   * request: an organisation of thousands of accounts then holds thousands of small credential
   * caches, not thousands of SDK clients (each a few hundred KiB of configuration, interceptors
   * and endpoint rules). The shared clients' own credentials refuse to be used.
   */
  public final class MemberAccess {
    private final String accountId;
    private final AwsCredentialsProvider credentials;
    private final AtomicLong writes = new AtomicLong();
    private volatile IamDetails details;
    /** False once IAM refused GetAccountAuthorizationDetails to the member role (403): read one by one. */
    private volatile boolean detailsAllowed = true;
    private volatile IamClient iam;
    private final Map<String, CloudFormationClient> cloudFormation = new ConcurrentHashMap<>(2);
    private final Map<String, SsmClient> ssm = new ConcurrentHashMap<>(2);

    MemberAccess(String accountId, AwsCredentialsProvider credentials) {
      this.accountId = accountId;
      this.credentials = credentials;
    }

    public String accountId() {
      return accountId;
    }

    /**
     * The account's IAM as a GetAccountAuthorizationDetails read at most {@code maxAge} old shows it
     * (read again when older, after a write of the operator into the account, or when it cannot
     * tell about {@code askedPolicyArn}); empty when the member role may not make that call (a
     * member role deployed before it was in docs/iam): the caller then asks one by one.
     */
    synchronized Optional<IamDetails> details(String askedPolicyArn, Duration maxAge) {
      if (!detailsAllowed) {
        return Optional.empty();
      }
      Instant now = Instant.now();
      IamDetails d = details;
      if (d == null || !d.fresh(now, writes.get(), maxAge) || askedPolicyArn != null && !d.answers(askedPolicyArn)) {
        try {
          d = IamDetails.read(iam(), askedPolicyArn, now, writes.get());
        } catch (IamException e) {
          if (e.statusCode() >= 500) {
            // IAM could not answer the whole account this time: this check reads one by one
            LOG.debugf("account %s: GetAccountAuthorizationDetails answered %d; reading one by one", accountId,
                e.statusCode());
            return Optional.empty();
          }
          if (e.statusCode() != 403) {
            throw e;
          }
          detailsAllowed = false;
          LOG.warnf("account %s: the member role may not call iam:GetAccountAuthorizationDetails (docs/iam/"
              + "member-role-policy.json has it): checks at rest read the policy and each CDK role one by one", accountId);
          return Optional.empty();
        }
        details = d;
        forgetStaleDetails(now);
      }
      return Optional.of(d);
    }

    private void forgetIfStale(Instant now) {
      IamDetails d = details;
      if (d != null && !d.fresh(now, writes.get(), IamDetails.KEPT_FOR)) {
        details = null;
      }
    }

    /** The operator wrote into the account: a read from before no longer serves its checks. */
    public void wrote() {
      writes.incrementAndGet();
      details = null;
    }

    public IamClient iam() {
      IamClient c = iam;
      if (c == null) {
        c = MemberRequests.iam(cached("member:iam", () -> configure(IamClient.builder(), "iam",
            MemberRequests.NO_CREDENTIALS, "aws-global", "member").build()), credentials, pacing("iam"));
        iam = c;
      }
      return c;
    }

    public CloudFormationClient cloudFormation(String region) {
      return cloudFormation.computeIfAbsent(region, r -> MemberRequests.cloudFormation(
          cached("member:cloudformation:" + r, () -> configure(CloudFormationClient.builder(), "cloudformation",
              MemberRequests.NO_CREDENTIALS, r, "member").build()), credentials, pacing("cloudformation")));
    }

    public SsmClient ssm(String region) {
      return ssm.computeIfAbsent(region, r -> MemberRequests.ssm(
          cached("member:ssm:" + r, () -> configure(SsmClient.builder(), "ssm",
              MemberRequests.NO_CREDENTIALS, r, "member").build()), credentials, pacing("ssm")));
    }

    /** This account's calls to {@code service}: its turn, and slower for a while after AWS throttled it. */
    private MemberRequests.Pacing pacing(String service) {
      return new MemberRequests.Pacing() {
        @Override
        public void before() {
          rates.acquire(accountId, service);
        }

        @Override
        public void attempts(int throttled) {
          if (throttled > 0) {
            rates.throttled(accountId, service);
          } else {
            rates.succeeded(accountId, service);
          }
        }
      };
    }

    void close() {
      if (credentials instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ignored) {
          // closing a credentials cache
        }
      }
    }
  }

  private static ScheduledExecutorService timers() {
    ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "aws-call-timeouts");
      t.setDaemon(true);
      return t;
    });
    timers.setRemoveOnCancelPolicy(true);
    return timers;
  }

  @SuppressWarnings("unchecked")
  private <T> T cached(String key, Supplier<T> create) {
    return (T) clients.computeIfAbsent(key, k -> create.get());
  }

  private AwsCredentialsProvider assumeRole(StsClient sts, String roleArn, String externalId) {
    // Cached and refreshed by the SDK shortly before expiry, on the calling thread: with
    // thousands of member sessions a background refresher per session would cost a thread each.
    return StsAssumeRoleCredentialsProvider.builder().stsClient(sts).asyncCredentialUpdateEnabled(false)
        .prefetchTime(MemberSession.PREFETCH).staleTime(MemberSession.STALE)
        .refreshRequest(r -> {
          r.roleArn(roleArn).roleSessionName(SESSION_NAME).durationSeconds(3600);
          if (externalId != null) {
            r.externalId(externalId);
          }
        }).build();
  }

  private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder,
      String service, AwsCredentialsProvider credentials, String region, String identity) {
    builder.credentialsProvider(credentials).region(Region.of(region)).httpClient(http)
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            // member clients are shared by every account: the adaptive strategy's client-side rate
            // limit would slow all accounts for one that AWS throttles, so they back off per call
            // and are paced per account and service instead (MemberAccess.pacing)
            // (and count the attempts AWS throttled, which the pacing follows: ThrottledAttempts)
            .retryStrategy("member".equals(identity)
                ? new ThrottledAttempts(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                    .maxAttempts(settings.maxAttempts()).build())
                : AwsRetryStrategy.adaptiveRetryStrategy().toBuilder().maxAttempts(settings.maxAttempts()).build())
            .apiCallTimeout(Duration.ofMinutes(2))
            .scheduledExecutorService(timers)
            .addExecutionInterceptor(new AwsCallMetrics(registry, identity)).build());
    settings.endpoint(service).ifPresent(builder::endpointOverride);
    return builder;
  }

  @Override
  public void close() {
    members.values().forEach(MemberAccess::close);
    clients.values().forEach(c -> ((SdkAutoCloseable) c).close());
    baseSts.close();
    timers.shutdownNow();
  }
}
