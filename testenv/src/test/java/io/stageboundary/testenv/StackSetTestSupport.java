package io.stageboundary.testenv;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperation;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationStatus;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Policy;

final class StackSetTestSupport {
  private StackSetTestSupport() {}

  static String policyTemplate(String policyName, String statementsJson) {
    return """
        {"Resources": {"Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
          "ManagedPolicyName": "%s",
          "PolicyDocument": {"Version": "2012-10-17", "Statement": %s}}}}}
        """.formatted(policyName, statementsJson);
  }

  static StackSetOperation await(CloudFormationClient cfn, String stackSet, String operationId,
      CallAs callAs) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      StackSetOperation op = cfn.describeStackSetOperation(r -> r.stackSetName(stackSet)
          .operationId(operationId).callAs(callAs)).stackSetOperation();
      if (op.status() != StackSetOperationStatus.RUNNING
          && op.status() != StackSetOperationStatus.QUEUED
          && op.status() != StackSetOperationStatus.STOPPING) {
        return op;
      }
      KubePeer.sleep(100);
    }
    throw new AssertionError("operation " + operationId + " still running after 30s");
  }

  /** The default version's document of a customer managed policy, decoded as AWS encodes it. */
  static String defaultDocument(IamClient iam, String policyArn) {
    Policy p = iam.getPolicy(r -> r.policyArn(policyArn)).policy();
    String doc = iam.getPolicyVersion(r -> r.policyArn(policyArn).versionId(p.defaultVersionId()))
        .policyVersion().document();
    return URLDecoder.decode(doc, StandardCharsets.UTF_8);
  }
}
