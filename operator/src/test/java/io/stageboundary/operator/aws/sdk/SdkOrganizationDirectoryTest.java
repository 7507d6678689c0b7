package io.stageboundary.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.aws.OrganizationDirectory;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * Reading the organisation again costs about one call per OU instead of two: the child OUs of an
 * OU that had none are not asked for, and what that cannot see (an OU made under it since) is
 * found because an account it knew is no longer where it was.
 */
@PeersExtension.WithPeers
class SdkOrganizationDirectoryTest {

  @Test
  void aRereadAsksForChildOusOnlyWhereThereWereSomeAndSeesEverythingAWholeReadSees(Peers peers) {
    SeededOrganization org = peers.organization();
    SdkConnector connector = EmulatorAccess.connector(peers);
    try (connector; OrganizationAws aws = connector.connect(EmulatorAccess.connection(org));
        OrganizationsClient orgs = peers.awsClients().organizations()) {
      OrganizationDirectory directory = aws.directory();
      peers.emulator().clearCalls();
      OrganizationSnapshot whole = directory.read();
      int ous = whole.organizationalUnits().size();  // the root and 7 OUs
      assertThat(EmulatorAccess.calls(peers, "ListOrganizationalUnitsForParent")).isEqualTo(ous);
      assertThat(EmulatorAccess.calls(peers, "ListAccountsForParent")).isEqualTo(ous);

      // a moved account, between OUs it knows
      String sandbox = org.account("sandbox-experiments");
      orgs.moveAccount(r -> r.accountId(sandbox).sourceParentId(org.ou("sandbox")).destinationParentId(org.ou("dev")));
      peers.emulator().clearCalls();
      OrganizationSnapshot again = directory.reread(whole);
      long withChildOus = whole.organizationalUnits().values().stream().map(OrganizationSnapshot.Ou::parentId)
          .filter(Objects::nonNull).distinct().count();  // the root, workloads, prod
      assertThat(EmulatorAccess.calls(peers, "ListOrganizationalUnitsForParent")).isEqualTo(withChildOus).isEqualTo(3);
      assertThat(EmulatorAccess.calls(peers, "ListAccountsForParent")).isEqualTo(ous);
      assertThat(again.organizationalUnits()).isEqualTo(whole.organizationalUnits());
      assertThat(again.accounts().get(sandbox).parentId()).isEqualTo(org.ou("dev"));

      // an OU made under one that had none, and a known account moved into it: read whole
      String fresh = orgs.createOrganizationalUnit(r -> r.parentId(org.ou("dev")).name("dev-fresh"))
          .organizationalUnit().id();
      orgs.moveAccount(r -> r.accountId(sandbox).sourceParentId(org.ou("dev")).destinationParentId(fresh));
      peers.emulator().clearCalls();
      OrganizationSnapshot third = directory.reread(again);
      assertThat(third.accounts().get(sandbox).parentId()).isEqualTo(fresh);
      assertThat(third.organizationalUnits().get(fresh).parentId()).isEqualTo(org.ou("dev"));
      assertThat(third.accounts().keySet()).isEqualTo(whole.accounts().keySet());
      assertThat(EmulatorAccess.calls(peers, "ListOrganizationalUnitsForParent")).as("the reread, then the whole read")
          .isEqualTo(withChildOus + ous + 1);

      // the next reread knows the new OU, and asks dev for child OUs now
      peers.emulator().clearCalls();
      OrganizationSnapshot fourth = directory.reread(third);
      assertThat(fourth.accounts()).isEqualTo(third.accounts());
      assertThat(EmulatorAccess.calls(peers, "ListOrganizationalUnitsForParent")).isEqualTo(withChildOus + 1);
    }
  }
}
