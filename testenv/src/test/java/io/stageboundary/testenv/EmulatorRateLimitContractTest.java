package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stageboundary.testenv.EmulatorAdmin.RateLimit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.TooManyRequestsException;

/**
 * Rate limits as AWS applies them: per account and per Region, per service and kind of call, with
 * each service's own throttling error (CloudFormation: Throttling "Rate exceeded", HTTP 400;
 * Organizations: TooManyRequestsException), which the SDK sees as throttling.
 */
@PeersExtension.WithPeers
class EmulatorRateLimitContractTest {
  private final AwsClients aws;
  private final EmulatorAdmin admin;

  EmulatorRateLimitContractTest(AwsClients aws, EmulatorAdmin admin) {
    this.aws = aws;
    this.admin = admin;
  }

  @AfterEach
  void clear() {
    admin.clearRateLimits();
  }

  /** A client acting in {@code account} (moto's account header), without retries. */
  private CloudFormationClient cfn(String account, String region) {
    return CloudFormationClient.builder().endpointOverride(aws.endpoint()).region(Region.of(region))
        .credentialsProvider(aws.credentials())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
            .putHeader("x-moto-account-id", account)).build();
  }

  @Test
  void aFullBucketThrottlesThatAccountAndRegionOnlyAndRefills() throws InterruptedException {
    admin.setRateLimits(List.of(new RateLimit("cloudformation", "read", 2, 3)));
    try (CloudFormationClient a = cfn("300000000001", "us-east-1");
        CloudFormationClient aOtherRegion = cfn("300000000001", "eu-west-1");
        CloudFormationClient b = cfn("300000000002", "us-east-1")) {
      for (int i = 0; i < 3; i++) {
        a.describeStacks();  // the burst
      }
      assertThatThrownBy(a::describeStacks).isInstanceOfSatisfying(AwsServiceException.class, e -> {
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("Throttling");
        assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Rate exceeded");
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.isThrottlingException()).isTrue();
      });
      aOtherRegion.describeStacks();  // another Region of the same account has its own bucket
      b.describeStacks();             // and so has another account
      Thread.sleep(600);              // 2 a second: one token back after half a second
      a.describeStacks();
    }
    assertThat(admin.calls()).anySatisfy(c -> assertThat(c.fault()).isEqualTo("rate-limit"));
  }

  @Test
  void writesAndReadsDrawFromTheirOwnBucketsAndOrganizationsAnswersTooManyRequests() {
    admin.setRateLimits(List.of(new RateLimit("cloudformation", "write", 1, 1),
        new RateLimit("organizations", "*", 1, 1)));
    String template = "{\"Resources\":{\"T\":{\"Type\":\"AWS::SNS::Topic\"}}}";
    try (CloudFormationClient a = cfn("300000000003", "us-east-1")) {
      a.createStack(r -> r.stackName("limited-1").templateBody(template));
      assertThatThrownBy(() -> a.createStack(r -> r.stackName("limited-2").templateBody(template)))
          .isInstanceOfSatisfying(AwsServiceException.class, e -> assertThat(e.isThrottlingException()).isTrue());
      a.describeStacks();
      a.describeStacks();  // reads are not limited by the write rule
    }
    try (OrganizationsClient orgs = OrganizationsClient.builder().endpointOverride(aws.endpoint())
        .region(Region.of(AwsEmulator.REGION)).credentialsProvider(aws.credentials())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
      orgs.describeOrganization();
      assertThatThrownBy(orgs::describeOrganization).isInstanceOf(TooManyRequestsException.class);
    }
  }

  @Test
  void withoutRulesNothingIsLimited() {
    try (CloudFormationClient a = cfn("300000000004", "us-east-1")) {
      for (int i = 0; i < 20; i++) {
        a.describeStacks();
      }
    }
  }
}
