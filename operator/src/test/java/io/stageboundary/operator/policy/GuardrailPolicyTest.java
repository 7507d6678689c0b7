package io.stageboundary.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuardrailPolicyTest {
  private static GuardrailPolicy render(List<String> exempt, List<String> excluded) throws InvalidBoundaryException {
    return GuardrailPolicy.render("prod", "developer-policy-prod", "hnb659fds", "aws", "stage-boundary-member",
        exempt, excluded);
  }

  @Test
  void deniesExactlyWhatStripsTheBoundaryToEveryoneButTheExemptRoles() throws Exception {
    GuardrailPolicy scp = render(List.of("arn:aws:iam::*:role/break-glass"), List.of());
    assertThat(scp.name()).isEqualTo("stage-boundary-prod");
    JsonNode doc = CanonicalPolicy.parse(scp.content());
    assertThat(doc.get("Statement")).hasSize(3);
    JsonNode policy = doc.get("Statement").get(0);
    assertThat(policy.get("Sid").asText()).isEqualTo(GuardrailPolicy.SID_POLICY);
    assertThat(policy.get("Action").toString()).isEqualTo("[\"iam:CreatePolicyVersion\",\"iam:DeletePolicy\","
        + "\"iam:DeletePolicyVersion\",\"iam:SetDefaultPolicyVersion\"]");
    assertThat(policy.get("Resource").asText()).isEqualTo("arn:aws:iam::*:policy/developer-policy-prod");
    assertThat(policy.at("/Condition/ArnNotLike/aws:PrincipalArn").toString()).isEqualTo(
        "[\"arn:aws:iam::*:role/stage-boundary-member\",\"arn:aws:iam::*:role/stacksets-exec-*\","
            + "\"arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole\",\"arn:aws:iam::*:role/break-glass\"]");
    JsonNode remove = doc.get("Statement").get(1);
    assertThat(remove.get("Resource").asText()).isEqualTo("arn:aws:iam::*:role/cdk-hnb659fds-*");
    JsonNode replace = doc.get("Statement").get(2);
    assertThat(replace.at("/Condition/StringNotLike/iam:PermissionsBoundary").asText())
        .as("putting this boundary stays allowed").isEqualTo("arn:aws:iam::*:policy/developer-policy-prod");
    assertThat(scp.content()).doesNotContain("cloudformation:", "iam:CreateRole");
  }

  @Test
  void excludedAccountsAreExemptAndTheRevisionFollowsTheDocument() throws Exception {
    GuardrailPolicy plain = render(List.of(), List.of());
    GuardrailPolicy excluding = render(List.of(), List.of("400000000009"));
    assertThat(CanonicalPolicy.parse(excluding.content()).at("/Statement/0/Condition/StringNotEquals/aws:PrincipalAccount/0")
        .asText()).isEqualTo("400000000009");
    assertThat(excluding.revision()).isNotEqualTo(plain.revision());
    assertThat(GuardrailPolicy.revisionOf(CanonicalPolicy.parse(plain.content()).toPrettyString()))
        .as("whitespace is not a change").isEqualTo(plain.revision());
  }

  @Test
  void anScpOverAwsSizeLimitIsRefusedBeforeAnyWrite() throws InvalidBoundaryException {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      many.add("arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_BreakGlassAdministrator_" + i
          + "_ForTheIncidentResponseTeamOfTheBusinessUnit_" + "x".repeat(60) + "_*");
    }
    assertThatThrownBy(() -> render(many, List.of())).isInstanceOf(InvalidBoundaryException.class)
        .hasMessageContaining("over the organisation's limit of 10240").hasMessageContaining("exemptPrincipals");
    assertThat(GuardrailPolicy.render("dev", "developer-policy-dev", "hnb659fds", "aws", "stage-boundary-member", many,
        List.of(), 20_480).content().length()).as("a raised quota (AwsOrganization spec.quotas)").isGreaterThan(10_240);
  }
}
