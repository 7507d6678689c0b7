package io.stageboundary.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stageboundary.testenv.OrganizationSeeder;
import io.stageboundary.testenv.SeededOrganization.Account;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ScaleOrganizationTest {
  // the CRD's patterns: what the Stages generated from this organisation must pass at admission
  private static final String OU_ID = "^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$";
  private static final String ACCOUNT_ID = "^[0-9]{12}$";

  @Test
  void everyStageHasItsAccountsInNestedOusWithValidIds() {
    ScaleOrganization org = ScaleOrganization.of(45, 3);
    Map<String, OrganizationSeeder.Ou> ous = org.ous().stream()
        .collect(Collectors.toMap(OrganizationSeeder.Ou::name, Function.identity()));
    assertThat(org.ous()).allSatisfy(ou -> assertThat(ou.id()).matches(OU_ID));
    assertThat(org.ous().stream().map(OrganizationSeeder.Ou::id).distinct()).hasSameSizeAs(org.ous());
    assertThat(org.accounts()).allSatisfy(a -> assertThat(a.id()).matches(ACCOUNT_ID));
    assertThat(org.accounts().stream().map(Account::id).distinct()).hasSameSizeAs(org.accounts());
    assertThat(org.targetedAccounts()).isEqualTo(135);
    for (String stage : ScaleOrganization.STAGES) {
      assertThat(org.accountsOf(stage)).hasSize(45);
      // every account of the stage sits below the stage's OU, some two levels down
      Set<Integer> depths = org.accounts().stream().filter(a -> org.accountsOf(stage).contains(a.id()))
          .map(a -> depthBelow(ous, a.ouName(), stage)).collect(Collectors.toSet());
      assertThat(depths).containsExactlyInAnyOrder(1, 2);
      assertThat(org.stageOus().get(stage)).isEqualTo(ous.get(stage).id());
    }
    assertThat(org.baselineAccounts()).hasSize(3)
        .allSatisfy(id -> assertThat(org.accounts()).contains(new Account(id, "baseline-" + id.substring(11), "baseline")));
    assertThat(org.accounts()).anyMatch(a -> a.id().equals(OrganizationSeeder.TOOLING_ACCOUNT));
  }

  private static int depthBelow(Map<String, OrganizationSeeder.Ou> ous, String ou, String stage) {
    int depth = 0;
    for (String at = ou; !at.equals(stage); at = ous.get(at).parent()) {
      assertThat(at).as("%s is below %s", ou, stage).isNotNull();
      depth++;
    }
    return depth;
  }

  @Test
  void refusesSizesItCannotNumber() {
    assertThatThrownBy(() -> ScaleOrganization.of(0, 1)).hasMessageContaining("between 1 and 99999");
  }
}
