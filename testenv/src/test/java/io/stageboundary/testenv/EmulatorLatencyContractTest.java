package io.stageboundary.testenv;

import static io.stageboundary.testenv.StackSetTestSupport.policyTemplate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.PermissionModels;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperation;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/**
 * Time as AWS takes it (emulator/sbo_emulator/cfn_latency.py and stacksets.py): stacks stay
 * *_IN_PROGRESS for the configured time and cannot be updated meanwhile; StackSet instances run
 * as many at a time as the operation preferences allow, capped by the failure tolerance unless
 * the concurrency mode is soft.
 */
@PeersExtension.WithPeers
class EmulatorLatencyContractTest {
  private static final String TEMPLATE = "{\"Resources\":{\"T\":{\"Type\":\"AWS::SSM::Parameter\",\"Properties\":"
      + "{\"Name\":\"/sbo-latency/%s\",\"Type\":\"String\",\"Value\":\"%s\"}}}}";
  private static final String NAME = "p";
  private final AwsClients aws;
  private final SeededOrganization org;
  private final EmulatorAdmin admin;

  EmulatorLatencyContractTest(AwsClients aws, SeededOrganization org, EmulatorAdmin admin) {
    this.aws = aws;
    this.org = org;
    this.admin = admin;
  }

  @AfterEach
  void instantAgain() {
    admin.setStackSeconds(0);
    admin.setOperationTiming(0.2, 0);
  }

  private static StackStatus status(CloudFormationClient cfn, String name) {
    return cfn.describeStacks(r -> r.stackName(name)).stacks().get(0).stackStatus();
  }

  @Test
  void aStackStaysInProgressForTheConfiguredTimeAndCannotBeUpdatedMeanwhile() throws Exception {
    admin.setStackSeconds(1.5);
    try (CloudFormationClient cfn = aws.inAccount(org.account("sandbox-experiments")).cloudFormation(AwsEmulator.REGION)) {
      cfn.createStack(r -> r.stackName("slow").templateBody(TEMPLATE.formatted(NAME, "a")));
      assertThat(status(cfn, "slow")).isEqualTo(StackStatus.CREATE_IN_PROGRESS);
      assertThatThrownBy(() -> cfn.updateStack(r -> r.stackName("slow").templateBody(TEMPLATE.formatted(NAME, "b"))))
          .isInstanceOf(CloudFormationException.class).hasMessageContaining("CREATE_IN_PROGRESS state and can not be updated");
      Thread.sleep(1700);
      assertThat(status(cfn, "slow")).isEqualTo(StackStatus.CREATE_COMPLETE);
      cfn.updateStack(r -> r.stackName("slow").templateBody(TEMPLATE.formatted(NAME, "b")));
      assertThat(status(cfn, "slow")).isEqualTo(StackStatus.UPDATE_IN_PROGRESS);
      Thread.sleep(1700);
      assertThat(status(cfn, "slow")).isEqualTo(StackStatus.UPDATE_COMPLETE);
      cfn.deleteStack(r -> r.stackName("slow"));
      assertThat(status(cfn, "slow")).as("still described while it is deleted").isEqualTo(StackStatus.DELETE_IN_PROGRESS);
      Thread.sleep(1700);
      assertThatThrownBy(() -> status(cfn, "slow")).isInstanceOf(CloudFormationException.class)
          .hasMessageContaining("does not exist");
    }
  }

  @Test
  void zeroKeepsStacksInstant() {
    try (CloudFormationClient cfn = aws.inAccount(org.account("sandbox-experiments")).cloudFormation(AwsEmulator.REGION)) {
      cfn.createStack(r -> r.stackName("instant").templateBody(TEMPLATE.formatted("instant", "a")));
      assertThat(status(cfn, "instant")).isEqualTo(StackStatus.CREATE_COMPLETE);
      cfn.deleteStack(r -> r.stackName("instant"));
    }
  }

  /** How long an operation over the four prod accounts takes with these preferences, by its own timestamps. */
  private Duration operation(String name, java.util.function.Consumer<
      software.amazon.awssdk.services.cloudformation.model.StackSetOperationPreferences.Builder> prefs) {
    return operation(name, prefs, List.of(AwsEmulator.REGION));
  }

  private Duration operation(String name, java.util.function.Consumer<
      software.amazon.awssdk.services.cloudformation.model.StackSetOperationPreferences.Builder> prefs,
      List<String> regions) {
    try (CloudFormationClient cfn = aws.assumeRole(org.operatorRoleArn()).cloudFormation()) {
      cfn.createStackSet(r -> r.stackSetName(name).callAs(CallAs.DELEGATED_ADMIN)
          .permissionModel(PermissionModels.SERVICE_MANAGED)
          .autoDeployment(a -> a.enabled(false).retainStacksOnAccountRemoval(false))
          .capabilities(Capability.CAPABILITY_NAMED_IAM)
          .templateBody(policyTemplate("latency-" + name, "[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]")));
      String id = cfn.createStackInstances(r -> r.stackSetName(name).callAs(CallAs.DELEGATED_ADMIN)
          .deploymentTargets(t -> t.organizationalUnitIds(org.ou("prod"))).regions(regions)
          .operationPreferences(prefs)).operationId();
      StackSetOperation op = StackSetTestSupport.await(cfn, name, id, CallAs.DELEGATED_ADMIN);
      return Duration.between(op.creationTimestamp(), op.endTimestamp());
    }
  }

  @Test
  void stackSetInstancesRunAsManyAtATimeAsThePreferencesAllow() {
    admin.setOperationTiming(0, 0.5);  // 4 instances (prod and prod-eu), 0.5 s each
    Duration strict = operation("strict", p -> p.maxConcurrentCount(4).failureToleranceCount(0));
    Duration soft = operation("soft", p -> p.maxConcurrentCount(4).failureToleranceCount(0)
        .concurrencyMode("SOFT_FAILURE_TOLERANCE"));
    Duration half = operation("half", p -> p.maxConcurrentPercentage(50).failureToleranceCount(3));
    assertThat(strict).as("STRICT: at most failure tolerance + 1 = 1 at a time: 4 rounds")
        .isBetween(Duration.ofMillis(1900), Duration.ofMillis(3500));
    assertThat(soft).as("SOFT: 4 at a time: 1 round").isLessThan(Duration.ofMillis(1400));
    assertThat(half).as("50 % of 4 = 2 at a time: 2 rounds").isBetween(Duration.ofMillis(900), Duration.ofMillis(2400));
  }

  @Test
  void regionsGoOneAfterAnotherUnlessParallel() {
    admin.setOperationTiming(0, 0.5);  // 4 instances per region, all at once (SOFT): one round per region
    List<String> two = List.of(AwsEmulator.REGION, "eu-west-1");
    Duration sequential = operation("sequential", p -> p.maxConcurrentCount(4).concurrencyMode("SOFT_FAILURE_TOLERANCE")
        .regionConcurrencyType("SEQUENTIAL"), two);
    Duration parallel = operation("parallel", p -> p.maxConcurrentCount(4).concurrencyMode("SOFT_FAILURE_TOLERANCE")
        .regionConcurrencyType("PARALLEL"), two);
    assertThat(sequential).as("SEQUENTIAL (the default): a round per region, one region after the other")
        .isBetween(Duration.ofMillis(900), Duration.ofMillis(1900));
    assertThat(parallel).as("PARALLEL: both regions in the same round").isLessThan(Duration.ofMillis(900));
  }
}
