package io.stageboundary.operator.stage;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.aws.OrganizationSnapshot.Account;
import io.stageboundary.operator.aws.OrganizationSnapshot.Ou;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetResolverTest {
  // r-root: mgmt(000), ou-prod: 001, 002(suspended); ou-prod/ou-eu: 003; ou-dev: 004
  static final OrganizationSnapshot ORG = new OrganizationSnapshot("o-1", "000000000000", "r-root",
      Map.of("r-root", new Ou("r-root", "Root", null),
          "ou-root-prod0001", new Ou("ou-root-prod0001", "prod", "r-root"),
          "ou-root-eu000001", new Ou("ou-root-eu000001", "eu", "ou-root-prod0001"),
          "ou-root-dev00001", new Ou("ou-root-dev00001", "dev", "r-root")),
      Map.of("000000000000", new Account("000000000000", "mgmt", "r-root", true),
          "000000000001", new Account("000000000001", "p1", "ou-root-prod0001", true),
          "000000000002", new Account("000000000002", "p2", "ou-root-prod0001", false),
          "000000000003", new Account("000000000003", "eu", "ou-root-eu000001", true),
          "000000000004", new Account("000000000004", "d", "ou-root-dev00001", true)),
      Instant.EPOCH);

  static StageSpec.Targets targets(List<String> ous, List<String> accounts, List<String> exclude) {
    return new StageSpec.Targets(ous, accounts, exclude, List.of("us-east-1"));
  }

  @Test
  void ousResolveRecursivelyWithoutTheManagementAccountOrSuspendedOnes() {
    var r = TargetResolver.resolve(targets(List.of("r-root"), null, null), ORG);
    assertThat(r.valid()).isTrue();
    assertThat(r.accounts()).containsOnlyKeys("000000000001", "000000000003", "000000000004")
        .containsEntry("000000000003", "ou-root-eu000001");
  }

  @Test
  void accountsAreAddedAndExclusionsRemoved() {
    var r = TargetResolver.resolve(targets(List.of("ou-root-prod0001"), List.of("000000000004"),
        List.of("000000000003")), ORG);
    assertThat(r.accounts()).containsOnlyKeys("000000000001", "000000000004");
  }

  @Test
  void unknownOusForeignAccountsAndTheManagementAccountAreProblems() {
    var r = TargetResolver.resolve(targets(List.of("ou-root-nope0001"), List.of("999999999999",
        "000000000000", "000000000002"), null), ORG);
    assertThat(r.valid()).isFalse();
    assertThat(r.problems()).hasSize(4).anySatisfy(p -> assertThat(p).contains("ou-root-nope0001 is not an OU"))
        .anySatisfy(p -> assertThat(p).contains("999999999999 is not a member"))
        .anySatisfy(p -> assertThat(p).contains("management account"))
        .anySatisfy(p -> assertThat(p).contains("000000000002 is suspended"));
  }
}
