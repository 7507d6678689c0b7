package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AccessDeniedException;
import software.amazon.awssdk.services.organizations.model.ConstraintViolationException;
import software.amazon.awssdk.services.organizations.model.ConstraintViolationExceptionReason;
import software.amazon.awssdk.services.organizations.model.DuplicatePolicyAttachmentException;
import software.amazon.awssdk.services.organizations.model.PolicyNotAttachedException;
import software.amazon.awssdk.services.organizations.model.PolicyType;
import software.amazon.awssdk.services.organizations.model.PolicyTypeNotEnabledException;
import software.amazon.awssdk.services.organizations.model.ResourcePolicyNotFoundException;

/**
 * Organizations policies as AWS treats them (emulator/sbo_emulator/org_policies.py): the delegated
 * administrator for policies through the organisation's delegation policy, the SCP quotas, and the
 * errors of AttachPolicy and DetachPolicy.
 */
@PeersExtension.WithPeers
class EmulatorOrganizationPolicyContractTest {
  private static final String DENY_ALL = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
      + "\"Action\":\"iam:DeleteRolePermissionsBoundary\",\"Resource\":\"*\"}]}";

  private static String create(OrganizationsClient orgs, String name, String content) {
    return orgs.createPolicy(r -> r.name(name).type(PolicyType.SERVICE_CONTROL_POLICY).description("test")
        .content(content)).policy().policySummary().id();
  }

  @Test
  void theDelegatedAdministratorForPoliciesManagesScpsOfTheOrganisation(AwsClients aws, SeededOrganization org) {
    try (OrganizationsClient delegated = aws.assumeRole(org.operatorRoleArn()).organizations();
         OrganizationsClient mgmt = aws.organizations()) {
      String id = create(delegated, "delegated-scp", DENY_ALL);
      delegated.attachPolicy(r -> r.policyId(id).targetId(org.ou("beta")));
      assertThat(mgmt.listTargetsForPolicy(r -> r.policyId(id)).targets()).extracting(t -> t.targetId())
          .as("it acted on the organisation, not on its own account").containsExactly(org.ou("beta"));
      assertThat(delegated.listPoliciesForTarget(r -> r.targetId(org.ou("beta")).filter(PolicyType.SERVICE_CONTROL_POLICY))
          .policies()).extracting(p -> p.name()).contains("FullAWSAccess", "delegated-scp");
      delegated.detachPolicy(r -> r.policyId(id).targetId(org.ou("beta")));
      delegated.deletePolicy(r -> r.policyId(id));
      assertThat(mgmt.listPolicies(r -> r.filter(PolicyType.SERVICE_CONTROL_POLICY)).policies())
          .extracting(p -> p.name()).doesNotContain("delegated-scp");
    }
  }

  @Test
  void aMemberTheDelegationPolicyDoesNotNameIsRefused(AwsClients aws, SeededOrganization org) {
    try (OrganizationsClient member = aws.inAccount(org.account("dev-search")).organizations()) {
      assertThatThrownBy(() -> create(member, "member-scp", DENY_ALL)).isInstanceOf(AccessDeniedException.class);
      assertThatThrownBy(() -> member.listPolicies(r -> r.filter(PolicyType.SERVICE_CONTROL_POLICY)))
          .isInstanceOf(AccessDeniedException.class);
      assertThatThrownBy(() -> member.describeResourcePolicy(r -> { })).isInstanceOf(AccessDeniedException.class);
    }
  }

  @Test
  void theDelegationPolicyDecidesActionByActionAndPolicyType(AwsClients aws, SeededOrganization org) throws Exception {
    String documented = Files.readString(Path.of("..", "docs", "iam", "delegation-policy.json"));
    try (OrganizationsClient mgmt = aws.organizations();
         OrganizationsClient delegated = aws.assumeRole(org.operatorRoleArn()).organizations()) {
      assertThat(delegated.describeResourcePolicy(r -> { }).resourcePolicy().content()).isEqualTo(documented);
      mgmt.putResourcePolicy(r -> r.content(documented.replace("SERVICE_CONTROL_POLICY", "TAG_POLICY")));
      assertThatThrownBy(() -> create(delegated, "not-granted", DENY_ALL)).isInstanceOf(AccessDeniedException.class);
      mgmt.deleteResourcePolicy(r -> { });
      assertThatThrownBy(() -> mgmt.describeResourcePolicy(r -> { })).isInstanceOf(ResourcePolicyNotFoundException.class);
      assertThatThrownBy(() -> delegated.listPolicies(r -> r.filter(PolicyType.SERVICE_CONTROL_POLICY)))
          .isInstanceOf(AccessDeniedException.class);
      mgmt.putResourcePolicy(r -> r.content(documented));
      assertThat(delegated.listPolicies(r -> r.filter(PolicyType.SERVICE_CONTROL_POLICY)).policies()).isNotEmpty();
    }
  }

  @Test
  void anScpOverTenThousandTwoHundredFortyCharactersIsRefused(AwsClients aws) {
    String fits = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"" + "A".repeat(6000)
        + "\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
    String big = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"" + "A".repeat(10200)
        + "\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
    try (OrganizationsClient mgmt = aws.organizations()) {
      assertThat(fits.length()).as("over the former 5,120").isGreaterThan(5120);
      String id = create(mgmt, "fits", fits);
      mgmt.deletePolicy(r -> r.policyId(id));
      assertThat(big.length()).isGreaterThan(10_240);
      assertThatThrownBy(() -> create(mgmt, "too-big", big)).isInstanceOfSatisfying(ConstraintViolationException.class,
          e -> assertThat(e.reason()).isEqualTo(ConstraintViolationExceptionReason.POLICY_CONTENT_LIMIT_EXCEEDED));
    }
  }

  @Test
  void atMostTenScpsSitOnOneTargetAndAttachAndDetachSayWhenNothingChanges(AwsClients aws, SeededOrganization org) {
    try (OrganizationsClient mgmt = aws.organizations()) {
      String target = org.ou("sandbox");
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ids.add(create(mgmt, "quota-" + i, DENY_ALL));
      }
      for (int i = 0; i < 9; i++) {  // FullAWSAccess is the tenth
        String id = ids.get(i);
        mgmt.attachPolicy(r -> r.policyId(id).targetId(target));
      }
      assertThatThrownBy(() -> mgmt.attachPolicy(r -> r.policyId(ids.get(9)).targetId(target)))
          .isInstanceOfSatisfying(ConstraintViolationException.class,
              e -> assertThat(e.reason()).isEqualTo(ConstraintViolationExceptionReason.POLICY_NUMBER_LIMIT_EXCEEDED));
      assertThatThrownBy(() -> mgmt.attachPolicy(r -> r.policyId(ids.get(0)).targetId(target)))
          .isInstanceOf(DuplicatePolicyAttachmentException.class);
      assertThatThrownBy(() -> mgmt.detachPolicy(r -> r.policyId(ids.get(9)).targetId(target)))
          .isInstanceOf(PolicyNotAttachedException.class);
      for (int i = 0; i < 9; i++) {
        String id = ids.get(i);
        mgmt.detachPolicy(r -> r.policyId(id).targetId(target));
      }
      ids.forEach(id -> mgmt.deletePolicy(r -> r.policyId(id)));
    }
  }

  @Test
  void anScpCannotBeAttachedWhileScpsAreNotEnabledOnTheRoot(AwsClients aws, SeededOrganization org) {
    try (OrganizationsClient mgmt = aws.organizations()) {
      String id = create(mgmt, "while-disabled", DENY_ALL);
      mgmt.disablePolicyType(r -> r.rootId(org.rootId()).policyType(PolicyType.SERVICE_CONTROL_POLICY));
      try {
        assertThatThrownBy(() -> mgmt.attachPolicy(r -> r.policyId(id).targetId(org.ou("sandbox"))))
            .isInstanceOf(PolicyTypeNotEnabledException.class);
      } finally {
        mgmt.enablePolicyType(r -> r.rootId(org.rootId()).policyType(PolicyType.SERVICE_CONTROL_POLICY));
        mgmt.deletePolicy(r -> r.policyId(id));
      }
    }
  }
}
