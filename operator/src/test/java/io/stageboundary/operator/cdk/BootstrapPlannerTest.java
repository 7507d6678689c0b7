package io.stageboundary.operator.cdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.aws.BootstrapStacks.StackView;
import io.stageboundary.operator.cdk.BootstrapPlanner.Want;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BootstrapPlannerTest {
  private static final BootstrapTemplate PINNED = BootstrapTemplate.pinned();
  private static final Want WANT = new Want("developer-policy-prod", false, "hnb659fds", "CDKToolkit", 30, false,
      null, null, null);

  private static StackView stack(String status, Map<String, String> overrides) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("TrustedAccounts", "111111111111");
    p.put("Qualifier", "hnb659fds");
    p.put("InputPermissionsBoundary", "");
    p.put("ApplyPermissionsBoundaryToAllRoles", "false");
    p.put("BootstrapVariant", BootstrapTemplate.DEFAULT_VARIANT);
    p.putAll(overrides);
    return new StackView("CDKToolkit", status, null, p, Optional.empty());
  }

  @Test
  void thePinnedTemplateIsTheOfficialOneWithItsVersion() {
    assertThat(PINNED.version()).isGreaterThanOrEqualTo(30);
    assertThat(PINNED.parameters()).contains("InputPermissionsBoundary", "ApplyPermissionsBoundaryToAllRoles",
        "BootstrapVariant", "Qualifier", "TrustedAccounts");
    assertThat(PINNED.body()).contains("CdkBootstrapVersion");
  }

  @Test
  void aCurrentStackWithoutTheBoundaryIsUpdatedWithThePreviousTemplateKeepingEverythingElse() {
    var d = BootstrapPlanner.decide(WANT, Optional.of(stack("CREATE_COMPLETE", Map.of())), Optional.of(33), PINNED);
    assertThat(d).isInstanceOfSatisfying(BootstrapPlanner.Update.class, u -> {
      assertThat(u.template()).isEmpty();
      assertThat(u.parameters()).containsEntry("InputPermissionsBoundary", "developer-policy-prod")
          .containsEntry("ApplyPermissionsBoundaryToAllRoles", "false")
          .containsEntry("TrustedAccounts", null).containsEntry("BootstrapVariant", null);
    });
  }

  @Test
  void aStackThatAlreadyCarriesTheBoundaryIsOnlyVerified() {
    var d = BootstrapPlanner.decide(WANT, Optional.of(stack("UPDATE_COMPLETE",
        Map.of("InputPermissionsBoundary", "developer-policy-prod"))), Optional.of(33), PINNED);
    assertThat(d).isInstanceOf(BootstrapPlanner.Verify.class);
  }

  @Test
  void anOldStackIsUpgradedWithThePinnedTemplateAndANewerOneIsNot() {
    var old = BootstrapPlanner.decide(WANT, Optional.of(stack("UPDATE_COMPLETE", Map.of())), Optional.of(21), PINNED);
    assertThat(old).isInstanceOfSatisfying(BootstrapPlanner.Update.class, u -> {
      assertThat(u.template()).contains(PINNED.body());
      assertThat(u.parameters()).doesNotContainKey("UseExamplePermissionsBoundary");  // not in the old stack: default
      assertThat(u.why()).contains("upgrading bootstrap version 21");
    });
    var newer = BootstrapPlanner.decide(WANT, Optional.of(stack("UPDATE_COMPLETE", Map.of())), Optional.of(99), PINNED);
    assertThat(newer).isInstanceOfSatisfying(BootstrapPlanner.Update.class, u -> assertThat(u.template()).isEmpty());
  }

  @Test
  void foreignVariantsBrokenStacksAndRunningUpdatesAreLeftAlone() {
    var foreign = (BootstrapPlanner.Report) BootstrapPlanner.decide(WANT, Optional.of(stack("CREATE_COMPLETE",
        Map.of("BootstrapVariant", "Acme"))), Optional.of(33), PINNED);
    assertThat(foreign.state()).isEqualTo(BootstrapState.FOREIGN);
    assertThat(foreign.message()).contains("'Acme'").contains("never overwrites");
    assertThat(((BootstrapPlanner.Report) BootstrapPlanner.decide(WANT, Optional.of(stack("ROLLBACK_COMPLETE", Map.of())),
        Optional.of(33), PINNED)).state()).isEqualTo(BootstrapState.FAILED);
    assertThat(((BootstrapPlanner.Report) BootstrapPlanner.decide(WANT, Optional.of(stack("UPDATE_IN_PROGRESS", Map.of())),
        Optional.of(33), PINNED)).state()).isEqualTo(BootstrapState.UPDATING);
  }

  @Test
  void aStackOfAnotherQualifierIsNotThisStagesToChange() {
    Want custom = new Want("developer-policy-prod", false, "custom1", "CDKToolkit", 30, false, null, null, null);
    var other = (BootstrapPlanner.Report) BootstrapPlanner.decide(custom, Optional.of(stack("UPDATE_COMPLETE",
        Map.of())), Optional.of(33), PINNED);
    assertThat(other.state()).isEqualTo(BootstrapState.FOREIGN);
    assertThat(other.message()).contains("Qualifier 'hnb659fds'").contains("'custom1'").contains("left alone");
    Map<String, String> noQualifier = new LinkedHashMap<>(stack("UPDATE_COMPLETE", Map.of()).parameters());
    noQualifier.remove("Qualifier");
    assertThat(BootstrapPlanner.decide(WANT, Optional.of(new StackView("CDKToolkit", "UPDATE_COMPLETE", null,
        noQualifier, Optional.empty())), Optional.of(33), PINNED))
        .as("a stack without the parameter has the template's default qualifier").isInstanceOf(BootstrapPlanner.Update.class);
  }

  @Test
  void theProfileIsSetAsCdkBootstrapSendsItAndUnsetPartsKeepTheirValue() {
    Want profile = new Want("developer-policy-prod", false, "hnb659fds", "CDKToolkit", 30, false,
        java.util.List.of("arn:aws:iam::${AWS::AccountId}:policy/cdk-exec", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        java.util.List.of("111111111111", "222222222222"), null).in("400000000001");
    var d = BootstrapPlanner.decide(profile, Optional.of(stack("UPDATE_COMPLETE",
        Map.of("InputPermissionsBoundary", "developer-policy-prod", "CloudFormationExecutionPolicies", ""))),
        Optional.of(33), PINNED);
    assertThat(d).isInstanceOfSatisfying(BootstrapPlanner.Update.class, u -> {
      assertThat(u.parameters()).containsEntry("TrustedAccounts", "111111111111,222222222222")
          .containsEntry("CloudFormationExecutionPolicies",
              "arn:aws:iam::400000000001:policy/cdk-exec,arn:aws:iam::aws:policy/ReadOnlyAccess")
          .containsEntry("InputPermissionsBoundary", "developer-policy-prod");
      assertThat(u.why()).isEqualTo("setting TrustedAccounts");
    });
    assertThat(BootstrapPlanner.decide(profile, Optional.of(stack("UPDATE_COMPLETE", Map.of(
        "InputPermissionsBoundary", "developer-policy-prod", "TrustedAccounts", "222222222222,111111111111",
        "CloudFormationExecutionPolicies", "arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::400000000001:policy/cdk-exec"))),
        Optional.of(33), PINNED)).as("the same lists in another order").isInstanceOf(BootstrapPlanner.Verify.class);
    Want none = new Want("developer-policy-prod", false, "hnb659fds", "CDKToolkit", 30, false, null, null, null);
    assertThat(BootstrapPlanner.decide(none, Optional.of(stack("UPDATE_COMPLETE", Map.of())), Optional.of(33), PINNED))
        .isInstanceOfSatisfying(BootstrapPlanner.Update.class, u -> assertThat(u.parameters())
            .containsEntry("TrustedAccounts", null).doesNotContainKey("CloudFormationExecutionPolicies"));
  }

  @Test
  void aMissingStackIsCreatedOnlyWhenAskedWithTheCliDefaults() {
    assertThat(((BootstrapPlanner.Report) BootstrapPlanner.decide(WANT, Optional.empty(), Optional.empty(), PINNED)).state())
        .isEqualTo(BootstrapState.NOT_BOOTSTRAPPED);
    Want create = new Want("p", true, "abc", "CDKToolkit", 30, true, null, null, null);
    assertThat(BootstrapPlanner.decide(create, Optional.empty(), Optional.empty(), PINNED))
        .isInstanceOfSatisfying(BootstrapPlanner.Create.class, c -> assertThat(c.parameters())
            .containsEntry("InputPermissionsBoundary", "p").containsEntry("Qualifier", "abc")
            .containsEntry("ApplyPermissionsBoundaryToAllRoles", "true")
            .containsEntry("FileAssetsBucketKmsKeyId", "AWS_MANAGED_KEY"));
  }

  @Test
  void clearingKeepsEverythingButTheBoundary() {
    assertThat(BootstrapPlanner.clearingParameters(stack("UPDATE_COMPLETE",
        Map.of("InputPermissionsBoundary", "p", "ApplyPermissionsBoundaryToAllRoles", "true")).parameters()))
        .containsEntry("InputPermissionsBoundary", "").containsEntry("ApplyPermissionsBoundaryToAllRoles", "false")
        .containsEntry("TrustedAccounts", null);
  }
}
