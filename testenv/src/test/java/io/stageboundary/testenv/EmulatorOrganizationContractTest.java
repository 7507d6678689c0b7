package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AccessDeniedException;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.ChildType;
import software.amazon.awssdk.services.organizations.model.ListAccountsResponse;
import software.amazon.awssdk.services.sts.StsClient;

/** Organizations and STS as the operator uses them, against the emulator. */
@PeersExtension.WithPeers
class EmulatorOrganizationContractTest {

  @Test
  void assumeRoleIntoAMemberAccountActsAsThatAccount(AwsClients aws, SeededOrganization org) {
    String member = org.account("prod-payments");
    try (StsClient sts = aws.inAccount(member).sts()) {
      assertThat(sts.getCallerIdentity().account()).isEqualTo(member);
    }
    try (StsClient sts = aws.sts()) {
      assertThat(sts.getCallerIdentity().account()).isEqualTo(org.managementAccountId());
    }
  }

  @Test
  void seedingGaveEveryMemberAccountTheMemberRole(AwsClients aws, SeededOrganization org) {
    assertThat(org.accounts()).hasSizeGreaterThanOrEqualTo(6);
    for (SeededOrganization.Account a : org.accounts()) {
      try (IamClient iam = aws.inAccount(a.id()).iam()) {
        assertThat(iam.getRole(r -> r.roleName(org.memberRoleName())).role().arn())
            .isEqualTo("arn:aws:iam::" + a.id() + ":role/" + org.memberRoleName());
      }
    }
  }

  @Test
  void listAccountsPagesAtTwentyLikeAws(AwsClients aws, SeededOrganization org) {
    try (OrganizationsClient orgs = aws.organizations()) {
      ListAccountsResponse first = orgs.listAccounts(r -> r.maxResults(5));
      assertThat(first.accounts()).hasSize(5);
      assertThat(first.nextToken()).isNotNull();
      List<String> all = orgs.listAccountsPaginator(r -> r.maxResults(5)).stream()
          .flatMap(p -> p.accounts().stream()).map(Account::id).toList();
      assertThat(all).doesNotHaveDuplicates().contains(org.managementAccountId())
          .containsAll(org.accounts().stream().map(SeededOrganization.Account::id).toList());
    }
  }

  @Test
  void listChildrenHonoursPaging(AwsClients aws, SeededOrganization org) {
    try (OrganizationsClient orgs = aws.organizations()) {
      var page = orgs.listChildren(r -> r.parentId(org.ou("dev")).childType(ChildType.ACCOUNT)
          .maxResults(2));
      assertThat(page.children()).hasSize(2);
      assertThat(page.nextToken()).isNotNull();
      var rest = orgs.listChildren(r -> r.parentId(org.ou("dev")).childType(ChildType.ACCOUNT)
          .nextToken(page.nextToken()));
      assertThat(rest.children()).hasSize(1);
    }
  }

  @Test
  void aDelegatedAdministratorReadsTheOrganisationAndAPlainMemberCannot(AwsClients aws,
      SeededOrganization org) {
    try (OrganizationsClient delegated = aws.assumeRole(org.operatorRoleArn()).organizations()) {
      List<String> prodEu = delegated.listAccountsForParent(r -> r.parentId(org.ou("prod-eu")))
          .accounts().stream().map(Account::id).toList();
      assertThat(prodEu).containsExactlyInAnyOrderElementsOf(org.accountsIn("prod-eu"));
      assertThat(delegated.describeOrganization().organization().masterAccountId())
          .isEqualTo(org.managementAccountId());
    }
    try (OrganizationsClient member = aws.inAccount(org.account("dev-search")).organizations()) {
      assertThatThrownBy(member::listAccounts).isInstanceOf(AccessDeniedException.class);
    }
  }

  @Test
  void nestedOusCreatedThroughTheApiAreListedPerParent(AwsClients aws, SeededOrganization org) {
    try (OrganizationsClient orgs = aws.organizations()) {
      String a = orgs.createOrganizationalUnit(r -> r.parentId(org.rootId()).name("lab"))
          .organizationalUnit().id();
      String b = orgs.createOrganizationalUnit(r -> r.parentId(a).name("lab-inner"))
          .organizationalUnit().id();
      String created = orgs.createAccount(r -> r.accountName("lab-1").email("lab-1@example.com"))
          .createAccountStatus().accountId();
      orgs.moveAccount(r -> r.accountId(created).sourceParentId(org.rootId()).destinationParentId(b));
      List<String> inner = new ArrayList<>();
      orgs.listAccountsForParentPaginator(r -> r.parentId(b)).stream()
          .flatMap(p -> p.accounts().stream()).forEach(x -> inner.add(x.id()));
      assertThat(inner).containsExactly(created);
      assertThat(orgs.listOrganizationalUnitsForParent(r -> r.parentId(a)).organizationalUnits())
          .extracting(ou -> ou.name()).containsExactly("lab-inner");
    }
  }
}
