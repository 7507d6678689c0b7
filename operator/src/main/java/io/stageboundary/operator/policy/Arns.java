package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** The boundary's own ARN, literal or as the CloudFormation substitution resolved per account. */
final class Arns {
  private Arns() {}

  /** {@code {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/NAME"}}. */
  static JsonNode substituted(String policyName) {
    return JsonNodeFactory.instance.objectNode()
        .put("Fn::Sub", "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/" + policyName);
  }

  static String literal(String partition, String accountId, String policyName) {
    return "arn:" + partition + ":iam::" + accountId + ":policy/" + policyName;
  }

  static JsonNode node(Object arn) {
    return arn instanceof JsonNode n ? n : JsonNodeFactory.instance.textNode((String) arn);
  }
}
