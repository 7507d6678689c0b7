package io.stageboundary.testenv;

import static io.stageboundary.testenv.StackSetTestSupport.defaultDocument;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.DeleteConflictException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * IAM and CloudFormation stack behaviour the operator depends on, including the official CDK
 * bootstrap template from the pinned aws-cdk package.
 */
@PeersExtension.WithPeers
class EmulatorCloudFormationContractTest {
  private static final String DOC = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"%s\","
      + "\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}";

  private final AwsClients aws;
  private final SeededOrganization org;

  EmulatorCloudFormationContractTest(AwsClients aws, SeededOrganization org) {
    this.aws = aws;
    this.org = org;
  }

  private static String policyStack(String name, String sid) {
    return """
        {"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
          "ManagedPolicyName": "%s", "PolicyDocument": %s}}}}""".formatted(name, DOC.formatted(sid));
  }

  private static void waitForStack(CloudFormationClient cfn, String name) {
    // moto finishes stack work within the call; this documents that the operator must not assume so
    for (int i = 0; i < 50; i++) {
      String status = cfn.describeStacks(r -> r.stackName(name)).stacks().get(0).stackStatusAsString();
      if (!status.endsWith("IN_PROGRESS")) {
        return;
      }
      KubePeer.sleep(100);
    }
  }

  @Test
  void theStackThatMadeAPolicyIsFoundByItsArnAndAHandMadeOneHasNone() {
    String account = org.account("dev-search");
    AwsClients in = aws.inAccount(account);
    String byStack = "arn:aws:iam::" + account + ":policy/made-by-stack";
    String byHand = "arn:aws:iam::" + account + ":policy/made-by-hand";
    try (CloudFormationClient cfn = in.cloudFormation(); IamClient iam = in.iam()) {
      cfn.createStack(r -> r.stackName("team-boundaries").templateBody(policyStack("made-by-stack", "V1")));
      waitForStack(cfn, "team-boundaries");
      iam.createPolicy(r -> r.policyName("made-by-hand").policyDocument(DOC.formatted("Hand")));
      assertThat(cfn.describeStackResources(r -> r.physicalResourceId(byStack)).stackResources())
          .singleElement().satisfies(res -> {
            assertThat(res.stackName()).isEqualTo("team-boundaries");
            assertThat(res.physicalResourceId()).isEqualTo(byStack);
          });
      assertThatThrownBy(() -> cfn.describeStackResources(r -> r.physicalResourceId(byHand)))
          .isInstanceOf(software.amazon.awssdk.services.cloudformation.model.CloudFormationException.class)
          .hasMessageContaining("Stack for " + byHand + " does not exist");
    }
  }

  @Test
  void managedPolicyUpdatesMakeANewDefaultVersionAndPruneTheOldest() {
    String account = org.account("dev-payments");
    AwsClients in = aws.inAccount(account);
    String arn = "arn:aws:iam::" + account + ":policy/cfn-managed";
    try (CloudFormationClient cfn = in.cloudFormation(); IamClient iam = in.iam()) {
      cfn.createStack(r -> r.stackName("mp").templateBody(policyStack("cfn-managed", "V1")));
      for (int i = 2; i <= 7; i++) {
        String sid = "V" + i;
        cfn.updateStack(r -> r.stackName("mp").templateBody(policyStack("cfn-managed", sid)));
        waitForStack(cfn, "mp");
        assertThat(defaultDocument(iam, arn)).contains(sid);
        // IAM numbers versions v1, v2 … and never reuses one; IsDefaultVersion tells the default
        // (the operator asks for the version it expects and trusts only that flag)
        String expected = "v" + i;
        String before = "v" + (i - 1);
        assertThat(iam.getPolicy(r -> r.policyArn(arn)).policy().defaultVersionId()).isEqualTo(expected);
        assertThat(iam.getPolicyVersion(r -> r.policyArn(arn).versionId(expected)).policyVersion().isDefaultVersion())
            .isTrue();
        assertThat(iam.getPolicyVersion(r -> r.policyArn(arn).versionId(before)).policyVersion().isDefaultVersion())
            .isFalse();
      }
      assertThatThrownBy(() -> iam.getPolicyVersion(r -> r.policyArn(arn).versionId("v1")))
          .as("pruned").isInstanceOf(NoSuchEntityException.class);
      assertThat(iam.listPolicyVersions(r -> r.policyArn(arn)).versions()).hasSize(5);
      cfn.deleteStack(r -> r.stackName("mp"));
      assertThatThrownBy(() -> iam.getPolicy(r -> r.policyArn(arn)))
          .isInstanceOf(NoSuchEntityException.class);
    }
  }

  @Test
  void stacksFromTheSameTemplateBodyKeepTheirOwnResources() {
    // the emulator memoises parsed templates (cfn_parse.py); each stack must still get its own copy
    String body = """
        {"Parameters": {"Sid": {"Type": "String"}},
         "Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
           "ManagedPolicyName": "shared-body", "PolicyDocument": {"Version": "2012-10-17",
             "Statement": [{"Sid": {"Ref": "Sid"}, "Effect": "Allow", "Action": "*", "Resource": "*"}]}}}}}""";
    String first = org.account("dev-data");
    String second = org.account("beta-search");
    try (CloudFormationClient a = aws.inAccount(first).cloudFormation();
        CloudFormationClient b = aws.inAccount(second).cloudFormation();
        IamClient iamA = aws.inAccount(first).iam(); IamClient iamB = aws.inAccount(second).iam()) {
      a.createStack(r -> r.stackName("shared").templateBody(body).parameters(sid("One")));
      b.createStack(r -> r.stackName("shared").templateBody(body).parameters(sid("Two")));
      waitForStack(a, "shared");
      waitForStack(b, "shared");
      a.updateStack(r -> r.stackName("shared").templateBody(body).parameters(sid("Three")));
      waitForStack(a, "shared");
      assertThat(defaultDocument(iamA, "arn:aws:iam::" + first + ":policy/shared-body")).contains("Three");
      assertThat(defaultDocument(iamB, "arn:aws:iam::" + second + ":policy/shared-body")).contains("Two")
          .doesNotContain("Three");
      a.deleteStack(r -> r.stackName("shared"));
      b.deleteStack(r -> r.stackName("shared"));
    }
  }

  private static Parameter sid(String value) {
    return Parameter.builder().parameterKey("Sid").parameterValue(value).build();
  }

  @Test
  void policyDocumentsComeBackUrlEncodedAsAwsSendsThem() {
    String account = org.account("dev-search");
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.createPolicy(r -> r.policyName("encoded").policyDocument(DOC.formatted("Enc")));
      String raw = iam.getPolicyVersion(r -> r.policyArn("arn:aws:iam::" + account + ":policy/encoded")
          .versionId("v1")).policyVersion().document();
      assertThat(raw).startsWith("%7B");
    }
  }

  @Test
  void aPolicyInUseAsABoundaryIsCountedCannotBeDeletedAndAMissingOneCannotBeABoundary() {
    String account = org.account("beta-payments");
    String arn = "arn:aws:iam::" + account + ":policy/in-use";
    try (IamClient iam = aws.inAccount(account).iam()) {
      assertThatThrownBy(() -> iam.putRolePermissionsBoundary(r -> r.roleName(org.memberRoleName())
          .permissionsBoundary(arn))).isInstanceOf(NoSuchEntityException.class);
      iam.createPolicy(r -> r.policyName("in-use").policyDocument(DOC.formatted("Use")));
      assertThat(iam.getPolicy(r -> r.policyArn(arn)).policy().permissionsBoundaryUsageCount()).isZero();
      iam.putRolePermissionsBoundary(r -> r.roleName(org.memberRoleName()).permissionsBoundary(arn));
      assertThat(iam.getPolicy(r -> r.policyArn(arn)).policy().permissionsBoundaryUsageCount())
          .as("GetPolicy counts the entities the policy is the boundary of").isEqualTo(1);
      assertThatThrownBy(() -> iam.deletePolicy(r -> r.policyArn(arn)))
          .isInstanceOf(DeleteConflictException.class);
      iam.deleteRolePermissionsBoundary(r -> r.roleName(org.memberRoleName()));
      iam.deletePolicy(r -> r.policyArn(arn));
    }
  }

  @Test
  void theCdkBootstrapStackCarriesABoundaryAfterAnUpdateWithThePreviousTemplate(Peers peers)
      throws Exception {
    Path template = peers.layout().cdkPackageDir().resolve("lib/api/bootstrap/bootstrap-template.yaml");
    String body = Files.readString(template);
    String account = org.account("prod-search");
    AwsClients in = aws.inAccount(account);
    String execRole = "cdk-hnb659fds-cfn-exec-role-" + account + "-" + AwsEmulator.REGION;
    try (CloudFormationClient cfn = in.cloudFormation(); IamClient iam = in.iam();
        SsmClient ssm = in.ssm(AwsEmulator.REGION)) {
      iam.createPolicy(r -> r.policyName("developer-policy-prod").policyDocument(DOC.formatted("B")));
      cfn.createStack(r -> r.stackName("CDKToolkit").templateBody(body)
          .capabilities(software.amazon.awssdk.services.cloudformation.model.Capability.CAPABILITY_NAMED_IAM)
          .parameters(p("TrustedAccounts", ""), p("TrustedAccountsForLookup", ""),
              p("CloudFormationExecutionPolicies", "arn:aws:iam::aws:policy/AdministratorAccess"),
              p("FileAssetsBucketKmsKeyId", "AWS_MANAGED_KEY"), p("PublicAccessBlockConfiguration", "true")));
      Map<String, String> before = params(cfn);
      assertThat(iam.getRole(r -> r.roleName(execRole)).role().permissionsBoundary()).isNull();
      String version = ssm.getParameter(r -> r.name("/cdk-bootstrap/hnb659fds/version"))
          .parameter().value();
      assertThat(Integer.parseInt(version)).isGreaterThanOrEqualTo(20);

      // What `cdk bootstrap --custom-permissions-boundary` amounts to: previous template, the new
      // boundary parameter, every other parameter kept.
      List<Parameter> update = before.keySet().stream()
          .map(k -> k.equals("InputPermissionsBoundary") ? p(k, "developer-policy-prod")
              : Parameter.builder().parameterKey(k).usePreviousValue(true).build())
          .toList();
      cfn.updateStack(r -> r.stackName("CDKToolkit").usePreviousTemplate(true).parameters(update)
          .capabilities(software.amazon.awssdk.services.cloudformation.model.Capability.CAPABILITY_NAMED_IAM));
      waitForStack(cfn, "CDKToolkit");
      Role exec = iam.getRole(r -> r.roleName(execRole)).role();
      assertThat(exec.permissionsBoundary().permissionsBoundaryArn())
          .isEqualTo("arn:aws:iam::" + account + ":policy/developer-policy-prod");
      Map<String, String> after = params(cfn);
      assertThat(after).containsEntry("InputPermissionsBoundary", "developer-policy-prod");
      before.remove("InputPermissionsBoundary");
      after.remove("InputPermissionsBoundary");
      assertThat(after).isEqualTo(before);
      assertThat(after.get("CloudFormationExecutionPolicies"))
          .isEqualTo("arn:aws:iam::aws:policy/AdministratorAccess");

      // An identical update is refused the way AWS refuses it.
      assertThatThrownBy(() -> cfn.updateStack(r -> r.stackName("CDKToolkit").usePreviousTemplate(true)
          .parameters(update)))
          .isInstanceOfSatisfying(CloudFormationException.class,
              e -> assertThat(e.awsErrorDetails().errorMessage()).contains("No updates are to be performed"));

      // A boundary that does not exist rolls the update back and leaves the role as it was.
      List<Parameter> missing = before.keySet().stream()
          .map(k -> Parameter.builder().parameterKey(k).usePreviousValue(true).build())
          .collect(Collectors.toList());
      missing.add(p("InputPermissionsBoundary", "no-such-policy"));
      cfn.updateStack(r -> r.stackName("CDKToolkit").usePreviousTemplate(true).parameters(missing));
      waitForStack(cfn, "CDKToolkit");
      Stack stack = cfn.describeStacks(r -> r.stackName("CDKToolkit")).stacks().get(0);
      assertThat(stack.stackStatusAsString()).isEqualTo("UPDATE_ROLLBACK_COMPLETE");
      assertThat(iam.getRole(r -> r.roleName(execRole)).role().permissionsBoundary()
          .permissionsBoundaryArn()).endsWith("/developer-policy-prod");
      assertThat(params(cfn)).containsEntry("InputPermissionsBoundary", "developer-policy-prod");
    }
  }

  private static Map<String, String> params(CloudFormationClient cfn) {
    return cfn.describeStacks(r -> r.stackName("CDKToolkit")).stacks().get(0).parameters().stream()
        .collect(Collectors.toMap(Parameter::parameterKey,
            x -> x.parameterValue() == null ? "" : x.parameterValue(), (a, b) -> a,
            java.util.TreeMap::new));
  }

  private static Parameter p(String key, String value) {
    return Parameter.builder().parameterKey(key).parameterValue(value).build();
  }
}
