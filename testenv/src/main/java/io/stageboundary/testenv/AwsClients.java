package io.stageboundary.testenv;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * AWS SDK clients aimed at the emulator, for tests and seeding. Plain static keys act as the
 * emulator's default account (the organisation's management account); {@link #inAccount} assumes
 * a role into another account, exactly as the operator reaches member accounts.
 */
public final class AwsClients implements AutoCloseable {
  /** Fixed dummy keys: the emulator accepts any, and nothing real ever looks like these. */
  public static final String ACCESS_KEY_ID = "AKIDEMULATORTEST0001";
  public static final String SECRET_ACCESS_KEY = "emulator-test-secret-not-a-real-key";

  private final URI endpoint;
  private final AwsCredentialsProvider credentials;
  private final SdkHttpClient http;
  private final boolean ownsHttp;
  private final Map<String, AwsClients> assumed = new ConcurrentHashMap<>();

  public AwsClients(URI endpoint) {
    this(endpoint, StaticCredentialsProvider.create(
        AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY)),
        ApacheHttpClient.builder().maxConnections(32).build(), true);
  }

  private AwsClients(URI endpoint, AwsCredentialsProvider credentials, SdkHttpClient http,
      boolean ownsHttp) {
    this.endpoint = endpoint;
    this.credentials = credentials;
    this.http = http;
    this.ownsHttp = ownsHttp;
  }

  public URI endpoint() {
    return endpoint;
  }

  public AwsCredentialsProvider credentials() {
    return credentials;
  }

  public OrganizationsClient organizations() {
    return configure(OrganizationsClient.builder()).build();
  }

  public CloudFormationClient cloudFormation() {
    return configure(CloudFormationClient.builder()).build();
  }

  public CloudFormationClient cloudFormation(String region) {
    return configure(CloudFormationClient.builder()).region(Region.of(region)).build();
  }

  public IamClient iam() {
    return configure(IamClient.builder()).region(Region.AWS_GLOBAL).build();
  }

  public SsmClient ssm(String region) {
    return configure(SsmClient.builder()).region(Region.of(region)).build();
  }

  public software.amazon.awssdk.services.s3.S3Client s3(String region) {
    // path-style: the emulator serves every bucket on one host
    return configure(software.amazon.awssdk.services.s3.S3Client.builder()).region(Region.of(region))
        .forcePathStyle(true).build();
  }

  /** Account Management (regions per account); global, as AWS serves it from us-east-1. */
  public software.amazon.awssdk.services.account.AccountClient account() {
    return configure(software.amazon.awssdk.services.account.AccountClient.builder()).region(Region.US_EAST_1).build();
  }

  public StsClient sts() {
    return configure(StsClient.builder()).build();
  }

  /** Clients acting in {@code accountId} through its OrganizationAccountAccessRole. */
  public AwsClients inAccount(String accountId) {
    return assumeRole("arn:aws:iam::" + accountId + ":role/OrganizationAccountAccessRole");
  }

  public AwsClients assumeRole(String roleArn) {
    return assumed.computeIfAbsent(roleArn, arn -> {
      try (StsClient sts = sts()) {
        Credentials c = sts.assumeRole(r -> r.roleArn(arn).roleSessionName("sbo-test"))
            .credentials();
        return new AwsClients(endpoint, StaticCredentialsProvider.create(
            AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken())),
            http, false);
      }
    });
  }

  /**
   * Drops cached assumed-role sessions. Needed after an emulator reset: it forgets the keys it
   * issued, and unknown keys silently act as the default account.
   */
  public void forgetSessions() {
    assumed.clear();
  }

  private <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
    builder.endpointOverride(endpoint).region(Region.of(AwsEmulator.REGION))
        .credentialsProvider(credentials)
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .retryStrategy(RetryMode.STANDARD).apiCallTimeout(Duration.ofSeconds(60)).build());
    if (builder instanceof software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<?, ?> sync) {
      sync.httpClient(http);
    }
    return builder;
  }

  @Override
  public void close() {
    assumed.clear();
    if (ownsHttp) {
      http.close();
    }
  }
}
