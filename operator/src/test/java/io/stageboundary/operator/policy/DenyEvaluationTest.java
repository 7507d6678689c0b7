package io.stageboundary.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stageboundary.operator.policy.DenyEvaluation.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's own reading of a Deny statement, on the guardrail SCP as it is rendered. */
class DenyEvaluationTest {
  private static final String ACCOUNT = "400000000001";
  private static final String CDK_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/cdk-hnb659fds-cfn-exec-role-" + ACCOUNT + "-us-east-1";
  private static final String BOUNDARY = "arn:aws:iam::" + ACCOUNT + ":policy/developer-policy-prod";

  private static JsonNode guardrail(List<String> excluded) throws InvalidBoundaryException {
    return CanonicalPolicy.parse(GuardrailPolicy.render("prod", "developer-policy-prod", "hnb659fds", "aws",
        "stage-boundary-member", List.of("arn:aws:iam::*:role/break-glass"), excluded).content());
  }

  private static DenyEvaluation.Request as(String role, String action, String resource, String... extra) {
    Map<String, List<String>> context = new java.util.LinkedHashMap<>(Map.of("aws:PrincipalArn", List.of(role),
        "aws:PrincipalAccount", List.of(role.split(":")[4])));
    for (int i = 0; i < extra.length; i += 2) {
      context.put(extra[i], List.of(extra[i + 1]));
    }
    return new DenyEvaluation.Request(action, resource, context);
  }

  private static String role(String name) {
    return "arn:aws:iam::" + ACCOUNT + ":role/" + name;
  }

  @Test
  void theGuardrailDeniesAnUnexemptRoleAndLetsTheExemptOnesThrough() throws Exception {
    JsonNode scp = guardrail(List.of());
    var admin = DenyEvaluation.of(scp, as(role("account-admin"), "iam:DeleteRolePermissionsBoundary", CDK_ROLE));
    assertThat(admin.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(admin.statement()).isEqualTo(GuardrailPolicy.SID_REMOVE);
    assertThat(DenyEvaluation.of(scp, as(role("account-admin"), "iam:createpolicyversion", BOUNDARY)).statement())
        .as("actions match whatever their case").isEqualTo(GuardrailPolicy.SID_POLICY);
    for (String exempt : List.of("stage-boundary-member", "break-glass", "stacksets-exec-1234", "AWSCloudFormationStackSetExecutionRole")) {
      assertThat(DenyEvaluation.of(scp, as(role(exempt), "iam:DeleteRolePermissionsBoundary", CDK_ROLE)).outcome())
          .as(exempt).isEqualTo(Outcome.NOT_DENIED);
    }
    assertThat(DenyEvaluation.of(scp, as(role("account-admin"), "iam:DeleteRolePermissionsBoundary",
        role("app-role"))).outcome()).as("a role that is not CDK's").isEqualTo(Outcome.NOT_DENIED);
    assertThat(DenyEvaluation.of(scp, as(role("account-admin"), "iam:CreateRole", "*")).outcome())
        .as("an action it does not name").isEqualTo(Outcome.NOT_DENIED);
  }

  @Test
  void puttingThisBoundaryStaysAllowedAndAnotherIsDenied() throws Exception {
    JsonNode scp = guardrail(List.of());
    assertThat(DenyEvaluation.of(scp, as(role("account-admin"), "iam:PutRolePermissionsBoundary", CDK_ROLE,
        "iam:PermissionsBoundary", BOUNDARY)).outcome()).isEqualTo(Outcome.NOT_DENIED);
    assertThat(DenyEvaluation.of(scp, as(role("account-admin"), "iam:PutRolePermissionsBoundary", CDK_ROLE,
        "iam:PermissionsBoundary", "arn:aws:iam::" + ACCOUNT + ":policy/other")).statement())
        .isEqualTo(GuardrailPolicy.SID_REPLACE);
    assertThat(DenyEvaluation.of(scp, as(role("account-admin"), "iam:PutRolePermissionsBoundary", CDK_ROLE)).outcome())
        .as("a negated operator matches a request without the key, as IAM's does").isEqualTo(Outcome.DENIED);
  }

  @Test
  void anExcludedAccountIsNotDenied() throws Exception {
    JsonNode scp = guardrail(List.of(ACCOUNT));
    assertThat(DenyEvaluation.of(scp, as(role("account-admin"), "iam:DeleteRolePermissionsBoundary", CDK_ROLE)).outcome())
        .isEqualTo(Outcome.NOT_DENIED);
  }

  @Test
  void whatItDoesNotKnowIsUndecidableNeverAGuess() {
    JsonNode set = CanonicalPolicy.parse("""
        {"Version": "2012-10-17", "Statement": [{"Sid": "Tags", "Effect": "Deny", "Action": "iam:*", "Resource": "*",
          "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}}]}""");
    var v = DenyEvaluation.of(set, as(role("a"), "iam:TagRole", "*"));
    assertThat(v.outcome()).isEqualTo(Outcome.UNDECIDABLE);
    assertThat(v.statement()).isEqualTo("Tags");
    JsonNode ip = CanonicalPolicy.parse("""
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
          {"Sid": "Plain", "Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"}]}""");
    assertThat(DenyEvaluation.of(ip, as(role("a"), "iam:TagRole", "*")).statement())
        .as("a statement it can decide denies").isEqualTo("Plain");
    assertThat(DenyEvaluation.of(ip, as(role("a"), "s3:GetObject", "*")).outcome()).isEqualTo(Outcome.UNDECIDABLE);
    JsonNode scoped = CanonicalPolicy.parse("""
        {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "iam:DeleteRole", "Resource": "arn:aws:iam::*:role/x"}}""");
    assertThat(DenyEvaluation.of(scoped, as(role("a"), "iam:DeleteRole", "*")).outcome())
        .as("every resource against a pattern").isEqualTo(Outcome.UNDECIDABLE);
    assertThat(DenyEvaluation.of(scoped, as(role("a"), "iam:DeleteRole", role("x"))).outcome()).isEqualTo(Outcome.DENIED);
  }

  @Test
  void ifExistsAndNullDecideOnAMissingKey() {
    JsonNode doc = CanonicalPolicy.parse("""
        {"Version": "2012-10-17", "Statement": [
          {"Sid": "Region", "Effect": "Deny", "Action": "ec2:*", "Resource": "*",
           "Condition": {"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-3"}}},
          {"Sid": "NoTag", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
           "Condition": {"Null": {"aws:ResourceTag/team": "true"}}}]}""");
    assertThat(DenyEvaluation.of(doc, as(role("a"), "ec2:RunInstances", "*")).statement()).isEqualTo("Region");
    assertThat(DenyEvaluation.of(doc, as(role("a"), "ec2:RunInstances", "*", "aws:RequestedRegion", "us-east-1"))
        .outcome()).isEqualTo(Outcome.NOT_DENIED);
    assertThat(DenyEvaluation.of(doc, as(role("a"), "s3:GetObject", "*")).statement()).isEqualTo("NoTag");
    assertThat(DenyEvaluation.of(doc, as(role("a"), "s3:GetObject", "*", "aws:ResourceTag/team", "data")).outcome())
        .isEqualTo(Outcome.NOT_DENIED);
  }
}
