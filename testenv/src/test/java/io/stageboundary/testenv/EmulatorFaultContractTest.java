package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stageboundary.testenv.EmulatorAdmin.Fault;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.TooManyRequestsException;

/** Fault injection and the write counter, switched at run time through the admin API. */
@PeersExtension.WithPeers
class EmulatorFaultContractTest {
  private final AwsClients aws;
  private final EmulatorAdmin admin;

  EmulatorFaultContractTest(AwsClients aws, EmulatorAdmin admin) {
    this.aws = aws;
    this.admin = admin;
  }

  @AfterEach
  void clear() {
    admin.clearFaults();
  }

  private CloudFormationClient cfnWithoutRetries() {
    return CloudFormationClient.builder().endpointOverride(aws.endpoint())
        .region(Region.of(AwsEmulator.REGION)).credentialsProvider(aws.credentials())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
  }

  @Test
  void throttlingInjectionYieldsEachServicesThrottlingError() {
    admin.addFault(Fault.throttle("cloudformation", "ListStackSets", 1.0));
    try (CloudFormationClient cfn = cfnWithoutRetries()) {
      assertThatThrownBy(cfn::listStackSets).isInstanceOfSatisfying(AwsServiceException.class, e -> {
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("Throttling");
        assertThat(e.isThrottlingException()).isTrue();
      });
      cfn.describeStacks();  // another action of the same service is untouched
    }
    admin.addFault(Fault.throttle("organizations", "ListAccounts", 1.0));
    try (OrganizationsClient orgs = OrganizationsClient.builder().endpointOverride(aws.endpoint())
        .region(Region.of(AwsEmulator.REGION)).credentialsProvider(aws.credentials())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
      assertThatThrownBy(orgs::listAccounts).isInstanceOf(TooManyRequestsException.class);
    }
  }

  @Test
  void unavailabilityAnswers503() {
    admin.addFault(Fault.unavailable("cloudformation", 1.0));
    try (CloudFormationClient cfn = cfnWithoutRetries()) {
      assertThatThrownBy(cfn::listStackSets).isInstanceOfSatisfying(AwsServiceException.class,
          e -> assertThat(e.statusCode()).isEqualTo(503));
    }
  }

  @Test
  void theSdkRetriesPastAOneOffFaultAndTheCallLogShowsIt() {
    admin.clearCalls();
    admin.addFault(Fault.throttle("cloudformation", "ListStackSets", 1.0).times(2));
    try (CloudFormationClient cfn = aws.cloudFormation()) {
      cfn.listStackSets();
    }
    List<EmulatorAdmin.Call> calls = admin.calls().stream()
        .filter(c -> "ListStackSets".equals(c.action())).toList();
    assertThat(calls).extracting(EmulatorAdmin.Call::fault)
        .containsExactly("throttle", "throttle", null);
  }

  @Test
  void latencyIsAddedToEveryMatchingCall() {
    admin.addFault(Fault.latency("cloudformation", 300));
    try (CloudFormationClient cfn = aws.cloudFormation()) {
      long start = System.nanoTime();
      cfn.listStackSets();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(290));
    }
  }

  @Test
  void theWriteCounterCountsStateChangesPerAccountAndNotReads(SeededOrganization org) {
    admin.clearCalls();
    String account = org.account("dev-data");
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.createPolicy(r -> r.policyName("counted").policyDocument(
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"));
      iam.getPolicy(r -> r.policyArn("arn:aws:iam::" + account + ":policy/counted"));
      iam.listPolicies();
    }
    assertThat(admin.writesPerAccount()).containsExactlyEntriesOf(java.util.Map.of(account, 1));
    assertThat(admin.calls()).anySatisfy(c -> {
      assertThat(c.action()).isEqualTo("GetPolicy");
      assertThat(c.write()).isFalse();
      assertThat(c.account()).isEqualTo(account);
    });
  }
}
