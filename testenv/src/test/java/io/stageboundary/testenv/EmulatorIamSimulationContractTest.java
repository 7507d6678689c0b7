package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.ContextEntry;
import software.amazon.awssdk.services.iam.model.ContextKeyTypeEnum;
import software.amazon.awssdk.services.iam.model.EvaluationResult;
import software.amazon.awssdk.services.iam.model.PolicyEvaluationDecisionType;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.PolicyType;

/**
 * IAM policy simulation as AWS documents it (API_SimulatePrincipalPolicy.html,
 * reference_policies_evaluation-logic.html), through the AWS SDK: the emulator's evaluator is
 * @cloud-copilot/iam-simulate, fed with moto's state.
 */
@PeersExtension.WithPeers
class EmulatorIamSimulationContractTest {
  private static final String ADMIN = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}";
  private final AwsClients aws;
  private final SeededOrganization org;

  EmulatorIamSimulationContractTest(AwsClients aws, SeededOrganization org) {
    this.aws = aws;
    this.org = org;
  }

  private static String boundary(String arn) {
    return """
        {"Version": "2012-10-17", "Statement": [
          {"Sid": "ExplicitAllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"},
          {"Sid": "DenyAccessIfRequiredPermBoundaryIsNotBeingApplied", "Effect": "Deny",
           "Action": ["iam:CreateRole"], "Resource": "*",
           "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": "%s"}}},
          {"Sid": "DenyModifyingConfig", "Effect": "Deny", "Action": ["config:*"], "Resource": "*"}]}
        """.formatted(arn);
  }

  /** A role with AdministratorAccess-like rights and the article's boundary, in a member account. */
  private String roleWithBoundary(IamClient iam, String account, String name) {
    String arn = "arn:aws:iam::" + account + ":policy/boundary-" + name;
    iam.createPolicy(r -> r.policyName("boundary-" + name).policyDocument(boundary(arn)));
    iam.createRole(r -> r.roleName(name).assumeRolePolicyDocument(ADMIN.replace("\"Action\":\"*\"", "\"Action\":\"sts:AssumeRole\"")
        .replace("\"Resource\":\"*\"", "\"Principal\":{\"AWS\":\"*\"}")).permissionsBoundary(arn));
    iam.putRolePolicy(r -> r.roleName(name).policyName("admin").policyDocument(ADMIN));
    return arn;
  }

  private static EvaluationResult only(List<EvaluationResult> results) {
    assertThat(results).hasSize(1);
    return results.get(0);
  }

  @Test
  void theArticlesScenarioTheBoundaryDeniesConfigAndTheGuardDecidesOnTheBoundaryContextValue() {
    String account = org.account("dev-search");
    try (IamClient iam = aws.inAccount(account).iam()) {
      String boundaryArn = roleWithBoundary(iam, account, "article");
      String role = "arn:aws:iam::" + account + ":role/article";
      var config = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn(role).actionNames("config:PutConfigRule"))
          .evaluationResults());
      assertThat(config.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.EXPLICIT_DENY);
      assertThat(config.permissionsBoundaryDecisionDetail().allowedByPermissionsBoundary()).isFalse();

      var without = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn(role).actionNames("iam:CreateRole"))
          .evaluationResults());
      assertThat(without.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.EXPLICIT_DENY);
      var with = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn(role).actionNames("iam:CreateRole")
          .contextEntries(ContextEntry.builder().contextKeyName("iam:PermissionsBoundary")
              .contextKeyType(ContextKeyTypeEnum.STRING).contextKeyValues(boundaryArn).build())).evaluationResults());
      assertThat(with.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.ALLOWED);
      assertThat(with.permissionsBoundaryDecisionDetail().allowedByPermissionsBoundary()).isTrue();

      var many = iam.simulatePrincipalPolicy(r -> r.policySourceArn(role).actionNames("s3:GetObject", "config:DeleteConfigRule"))
          .evaluationResults();
      assertThat(many).extracting(EvaluationResult::evalActionName).containsExactly("s3:GetObject", "config:DeleteConfigRule");
      assertThat(many).extracting(EvaluationResult::evalDecision)
          .containsExactly(PolicyEvaluationDecisionType.ALLOWED, PolicyEvaluationDecisionType.EXPLICIT_DENY);
    }
  }

  @Test
  void anActionTheBoundaryDoesNotAllowIsImplicitlyDeniedAndAnInputBoundaryReplacesTheAttachedOne() {
    String account = org.account("dev-data");
    try (IamClient iam = aws.inAccount(account).iam()) {
      roleWithBoundary(iam, account, "narrow");
      String role = "arn:aws:iam::" + account + ":role/narrow";
      String s3Only = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
      var ec2 = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn(role).actionNames("ec2:RunInstances")
          .permissionsBoundaryPolicyInputList(s3Only)).evaluationResults());
      assertThat(ec2.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.IMPLICIT_DENY);
      assertThat(ec2.permissionsBoundaryDecisionDetail().allowedByPermissionsBoundary()).isFalse();
      var custom = only(iam.simulateCustomPolicy(r -> r.policyInputList(ADMIN).actionNames("ec2:RunInstances")
          .permissionsBoundaryPolicyInputList(s3Only)).evaluationResults());
      assertThat(custom.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.IMPLICIT_DENY);
      // the boundary's own decision, whatever the identity policies allow
      var identityDenies = only(iam.simulateCustomPolicy(r -> r.policyInputList(s3Only).actionNames("ec2:RunInstances")
          .permissionsBoundaryPolicyInputList(ADMIN)).evaluationResults());
      assertThat(identityDenies.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.IMPLICIT_DENY);
      assertThat(identityDenies.permissionsBoundaryDecisionDetail().allowedByPermissionsBoundary()).isTrue();
    }
  }

  /**
   * On a named resource too: the boundary's own decision whatever the identity policies say, and
   * the statements that decided an explicit deny (the boundary's, by its name in the request).
   */
  @Test
  void onANamedResourceEachLayerReportsItsOwnDecisionAndAnExplicitDenyNamesItsStatement() {
    String role = "arn:aws:iam::" + org.account("dev-data") + ":role/some-role";
    String s3Only = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
    String denyIam = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
        + "{\"Effect\":\"Deny\",\"Action\":\"iam:DeleteRolePermissionsBoundary\",\"Resource\":\"*\"}]}";
    try (IamClient iam = aws.inAccount(org.account("dev-data")).iam()) {
      var identityDenies = only(iam.simulateCustomPolicy(r -> r.policyInputList(s3Only).permissionsBoundaryPolicyInputList(ADMIN)
          .actionNames("iam:DeleteRolePermissionsBoundary").resourceArns(role)).evaluationResults());
      assertThat(identityDenies.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.IMPLICIT_DENY);
      assertThat(identityDenies.evalResourceName()).isEqualTo(role);
      assertThat(identityDenies.permissionsBoundaryDecisionDetail().allowedByPermissionsBoundary()).isTrue();
      var boundaryDenies = only(iam.simulateCustomPolicy(r -> r.policyInputList(ADMIN).permissionsBoundaryPolicyInputList(denyIam)
          .actionNames("iam:DeleteRolePermissionsBoundary").resourceArns(role)).evaluationResults());
      assertThat(boundaryDenies.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.EXPLICIT_DENY);
      assertThat(boundaryDenies.permissionsBoundaryDecisionDetail().allowedByPermissionsBoundary()).isFalse();
      assertThat(boundaryDenies.matchedStatements()).extracting(s -> s.sourcePolicyId())
          .containsExactly("PermissionsBoundaryPolicyInputList.1");
    }
  }

  @Test
  void aServiceControlPolicyOnTheAccountsOuDeniesAndOtherOusAreUnaffected() {
    try (OrganizationsClient orgs = aws.organizations()) {
      String id = orgs.createPolicy(r -> r.name("deny-boundary-removal").type(PolicyType.SERVICE_CONTROL_POLICY)
          .description("test").content("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
              + "\"Action\":\"iam:DeleteRolePermissionsBoundary\",\"Resource\":\"*\"}]}")).policy().policySummary().id();
      orgs.attachPolicy(r -> r.policyId(id).targetId(org.ou("prod")));
    }
    String inProd = org.account("prod-eu-payments");  // below prod, in prod-eu
    String elsewhere = org.account("beta-payments");
    for (String account : List.of(inProd, elsewhere)) {
      try (IamClient iam = aws.inAccount(account).iam()) {
        iam.createRole(r -> r.roleName("admin").assumeRolePolicyDocument(
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}"));
        iam.putRolePolicy(r -> r.roleName("admin").policyName("admin").policyDocument(ADMIN));
      }
    }
    try (IamClient iam = aws.inAccount(inProd).iam()) {
      var denied = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn("arn:aws:iam::" + inProd + ":role/admin")
          .actionNames("iam:DeleteRolePermissionsBoundary")).evaluationResults());
      assertThat(denied.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.EXPLICIT_DENY);
      assertThat(denied.organizationsDecisionDetail().allowedByOrganizations()).isFalse();
      var other = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn("arn:aws:iam::" + inProd + ":role/admin")
          .actionNames("s3:GetObject")).evaluationResults());
      assertThat(other.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.ALLOWED);
      assertThat(other.organizationsDecisionDetail().allowedByOrganizations()).isTrue();
    }
    try (IamClient iam = aws.inAccount(elsewhere).iam()) {
      var allowed = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn("arn:aws:iam::" + elsewhere + ":role/admin")
          .actionNames("iam:DeleteRolePermissionsBoundary")).evaluationResults());
      assertThat(allowed.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.ALLOWED);
    }
  }

  @Test
  void theCdkExecutionRoleHasTheExecutionPoliciesCloudFormationAttached() {
    String account = org.account("sandbox-experiments");
    try (CloudFormationClient cfn = aws.inAccount(account).cloudFormation(AwsEmulator.REGION);
        IamClient iam = aws.inAccount(account).iam()) {
      cfn.createStack(r -> r.stackName("exec").templateBody("""
          {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "exec",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}}}}"""));
      var results = iam.simulatePrincipalPolicy(r -> r.policySourceArn("arn:aws:iam::" + account + ":role/exec")
          .actionNames("s3:GetObject", "s3:PutObject")).evaluationResults();
      assertThat(results).extracting(EvaluationResult::evalDecision)
          .containsExactly(PolicyEvaluationDecisionType.ALLOWED, PolicyEvaluationDecisionType.IMPLICIT_DENY);
    }
  }

  @Test
  void anScpExemptingARoleByPrincipalArnDeniesOthersAndReportsItsOwnDecision() {
    exemptingScpIn(org.account("dev-data"), "exempting", true);
  }

  /**
   * The IAM User Guide's "How the IAM policy simulator works" said SCPs with global condition keys
   * cannot be tested; with the emulator set so, the exempting statement takes no part (the SCPs
   * allow the other role too), and a statement without conditions still denies.
   */
  @Test
  void whereTheSimulatorDoesNotEvaluateScpGlobalConditionKeysSuchAStatementTakesNoPart(EmulatorAdmin admin) {
    String account = org.account("dev-payments");
    admin.setSimulateScpGlobalConditionKeys(false);
    try {
      exemptingScpIn(account, "exempting-unevaluated", false);
      try (OrganizationsClient orgs = aws.organizations()) {
        String id = orgs.createPolicy(r -> r.name("plain-deny").type(PolicyType.SERVICE_CONTROL_POLICY).description("test")
            .content("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":"
                + "\"iam:DeleteRolePermissionsBoundary\",\"Resource\":\"*\"}]}")).policy().policySummary().id();
        orgs.attachPolicy(r -> r.policyId(id).targetId(account));
      }
      try (IamClient iam = aws.inAccount(account).iam()) {
        String arn = "arn:aws:iam::" + account + ":role/exempt";
        var result = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn(arn)
            .actionNames("iam:DeleteRolePermissionsBoundary")).evaluationResults());
        assertThat(result.organizationsDecisionDetail().allowedByOrganizations()).as("a statement without conditions")
            .isFalse();
      }
    } finally {
      admin.setSimulateScpGlobalConditionKeys(true);
    }
  }

  /** An SCP on the account denying iam:DeleteRolePermissionsBoundary to all but role/exempt, and what IAM says of two roles. */
  private void exemptingScpIn(String account, String name, boolean conditionsEvaluated) {
    try (OrganizationsClient orgs = aws.organizations()) {
      String id = orgs.createPolicy(r -> r.name(name).type(PolicyType.SERVICE_CONTROL_POLICY).description("test")
          .content("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":"
              + "\"iam:DeleteRolePermissionsBoundary\",\"Resource\":\"*\",\"Condition\":{\"ArnNotLike\":"
              + "{\"aws:PrincipalArn\":\"arn:aws:iam::*:role/exempt\"}}}]}")).policy().policySummary().id();
      orgs.attachPolicy(r -> r.policyId(id).targetId(account));
    }
    String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
        + "\"Action\":\"sts:AssumeRole\"}]}";
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.createRole(r -> r.roleName("exempt").assumeRolePolicyDocument(trust));  // no permissions of its own
      iam.createRole(r -> r.roleName("other-admin").assumeRolePolicyDocument(trust));
      iam.putRolePolicy(r -> r.roleName("other-admin").policyName("admin").policyDocument(ADMIN));
      for (String role : List.of("exempt", "other-admin")) {
        String arn = "arn:aws:iam::" + account + ":role/" + role;
        var result = only(iam.simulatePrincipalPolicy(r -> r.policySourceArn(arn)
            .actionNames("iam:DeleteRolePermissionsBoundary").contextEntries(ContextEntry.builder()
                .contextKeyName("aws:PrincipalArn").contextKeyType(ContextKeyTypeEnum.STRING).contextKeyValues(arn).build()))
            .evaluationResults());
        if (role.equals("exempt")) {
          assertThat(result.evalDecision()).as("its own policies allow nothing").isEqualTo(PolicyEvaluationDecisionType.IMPLICIT_DENY);
          assertThat(result.organizationsDecisionDetail().allowedByOrganizations()).as("but the SCPs do").isTrue();
        } else if (conditionsEvaluated) {
          assertThat(result.evalDecision()).isEqualTo(PolicyEvaluationDecisionType.EXPLICIT_DENY);
          assertThat(result.organizationsDecisionDetail().allowedByOrganizations()).isFalse();
        } else {
          assertThat(result.evalDecision()).as("the conditioned statement took no part")
              .isEqualTo(PolicyEvaluationDecisionType.ALLOWED);
          assertThat(result.organizationsDecisionDetail().allowedByOrganizations()).isTrue();
        }
      }
    }
  }
}
