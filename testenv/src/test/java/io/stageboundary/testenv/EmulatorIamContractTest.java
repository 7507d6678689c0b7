package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.EntityType;
import software.amazon.awssdk.services.iam.model.GetAccountAuthorizationDetailsResponse;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.ManagedPolicyDetail;
import software.amazon.awssdk.services.iam.model.RoleDetail;

/**
 * GetAccountAuthorizationDetails as IAM documents it (API_GetAccountAuthorizationDetails.html):
 * MaxItems (1-1000, default 100) counts the entities of a page across its lists, IsTruncated and
 * Marker lead to the next, and policy documents come URL-encoded. moto answered every entity in
 * one page whatever MaxItems said.
 */
@PeersExtension.WithPeers
class EmulatorIamContractTest {
  private final AwsClients aws;
  private final SeededOrganization org;

  EmulatorIamContractTest(AwsClients aws, SeededOrganization org) {
    this.aws = aws;
    this.org = org;
  }

  @Test
  void accountAuthorizationDetailsArePagedAtMaxItemsAcrossTheirLists() {
    String account = org.account("sandbox-experiments");
    try (IamClient iam = aws.inAccount(account).iam()) {
      String policy = iam.createPolicy(r -> r.policyName("paged-boundary").policyDocument(
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"))
          .policy().arn();
      for (int i = 0; i < 5; i++) {
        String name = "cdk-paged-" + i;
        iam.createRole(r -> r.roleName(name).permissionsBoundary(policy)
            .assumeRolePolicyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[]}"));
      }
      List<RoleDetail> roles = new ArrayList<>();
      List<ManagedPolicyDetail> policies = new ArrayList<>();
      String marker = null;
      int pages = 0;
      do {
        String from = marker;
        GetAccountAuthorizationDetailsResponse page = iam.getAccountAuthorizationDetails(r -> r
            .filter(EntityType.ROLE, EntityType.LOCAL_MANAGED_POLICY).maxItems(3).marker(from));
        assertThat(page.roleDetailList().size() + page.policies().size()).as("page %d", pages).isLessThanOrEqualTo(3);
        roles.addAll(page.roleDetailList());
        policies.addAll(page.policies());
        marker = page.isTruncated() ? page.marker() : null;
        pages++;
      } while (marker != null);

      assertThat(pages).as("the seeded roles, five more and a policy, three at a time").isGreaterThanOrEqualTo(3);
      assertThat(roles).filteredOn(r -> r.roleName().startsWith("cdk-paged-")).hasSize(5)
          .allSatisfy(r -> assertThat(r.permissionsBoundary().permissionsBoundaryArn()).isEqualTo(policy));
      assertThat(policies).filteredOn(p -> p.arn().equals(policy)).singleElement().satisfies(p -> {
        String document = p.policyVersionList().get(0).document();
        assertThat(document).as("URL-encoded, as IAM returns documents").startsWith("%7B");
        assertThat(URLDecoder.decode(document, StandardCharsets.UTF_8)).contains("\"Action\":\"*\"");
      });
      // a role CloudFormation made with an inline policy, as the CDK bootstrap roles are
      try (var cfn = aws.inAccount(account).cloudFormation()) {
        cfn.createStack(r -> r.stackName("inline-role").capabilities(
            software.amazon.awssdk.services.cloudformation.model.Capability.CAPABILITY_NAMED_IAM).templateBody("""
            {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "cdk-inline",
              "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
              "Policies": [{"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}}}}
            """));
      }
      RoleDetail inline = iam.getAccountAuthorizationDetails(r -> r.filter(EntityType.ROLE).maxItems(1000))
          .roleDetailList().stream().filter(r -> r.roleName().equals("cdk-inline")).findFirst().orElseThrow();
      assertThat(URLDecoder.decode(inline.rolePolicyList().get(0).policyDocument(), StandardCharsets.UTF_8))
          .contains("s3:GetObject");
      assertThatThrownBy(() -> iam.getAccountAuthorizationDetails(r -> r.maxItems(1001)))
          .isInstanceOfSatisfying(IamException.class, e -> assertThat(e.statusCode()).isEqualTo(400));
    }
  }
}
