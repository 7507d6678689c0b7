package io.stageboundary.operator.policy;

import static io.stageboundary.operator.policy.BoundaryDocumentTest.boundary;
import static io.stageboundary.operator.policy.BoundaryDocumentTest.deny;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Exceptions: a Deny statement taken out in one account, by a parameter of the one template, and what that changes. */
class LiftedStatementsTest {
  private static final String LIFTED = "400000000003";
  private static final String OTHER = "400000000004";

  private static BoundaryDocument doc() throws InvalidBoundaryException {
    return BoundaryDocument.render("prod", boundary("developer-policy-prod", deny("DenyConfigRules", "config:Put*",
        "config:Delete*"), deny("DenyKeyDeletion", "kms:ScheduleKeyDeletion")), "aws");
  }

  @Test
  void onlyTheStagesOwnDenyStatementsCanBeLifted() throws Exception {
    assertThat(doc().liftable()).containsExactly("DenyConfigRules", "DenyKeyDeletion")
        .doesNotContainAnyElementsOf(Guards.RESERVED_SIDS);
  }

  @Test
  void theTemplateDeclaresOneParameterPerLiftableStatementAndTakesItOutWithNoValue() throws Exception {
    JsonNode t = CanonicalPolicy.JSON.readTree(BoundaryTemplate.render(doc()));
    assertThat(t.path("Parameters").path("LiftDenyConfigRules").path("Default").asText()).isEqualTo("false");
    assertThat(t.path("Conditions").path("LiftedDenyConfigRules").path("Fn::Equals").get(0).path("Ref").asText())
        .isEqualTo("LiftDenyConfigRules");
    JsonNode wrapped = null;
    for (JsonNode st : t.path("Resources").path("Boundary").path("Properties").path("PolicyDocument").path("Statement")) {
      if (st.has("Fn::If") && st.get("Fn::If").get(0).asText().equals("LiftedDenyConfigRules")) {
        wrapped = st.get("Fn::If");
      }
    }
    assertThat(wrapped).isNotNull();
    assertThat(wrapped.get(1).path("Ref").asText()).isEqualTo("AWS::NoValue");
    assertThat(wrapped.get(2).path("Sid").asText()).isEqualTo("DenyConfigRules");
    assertThat(BoundaryTemplate.statementsOf(BoundaryTemplate.render(doc()))).as("the plan reads the statements back")
        .containsOnlyKeys(doc().statements().keySet());
  }

  @Test
  void aLiftedStatementIsMissingOnlyInItsAccountAndTheRevisionStaysTheStages() throws Exception {
    BoundaryDocument d = doc().withLifts(Map.of(LIFTED, Set.of("DenyConfigRules")));
    assertThat(d.revision()).isEqualTo(doc().revision());
    assertThat(d.documentFor(LIFTED).toString()).doesNotContain("DenyConfigRules").contains("DenyKeyDeletion");
    assertThat(d.documentFor(OTHER).toString()).contains("DenyConfigRules");
    assertThat(d.denyingStatements("config:PutConfigRule", d.liftsIn(LIFTED))).isEmpty();
    assertThat(d.denyingStatements("config:PutConfigRule", d.liftsIn(OTHER))).containsExactly("DenyConfigRules");
  }

  @Test
  void theAccessChangesOfALiftAreCountedPerServiceFromTheCatalogue() throws Exception {
    BoundaryDocument d = doc();
    List<AccessChanges.ServiceChange> changes = AccessChanges.between(d.documentFor(LIFTED),
        d.documentWithout(LIFTED, Set.of("DenyConfigRules")), IamCatalogue.pinned());
    assertThat(changes).singleElement().satisfies(c -> {
      assertThat(c.service()).isEqualTo("config");
      assertThat(c.allowed()).isGreaterThan(10);
      assertThat(c.denied()).isZero();
      assertThat(c.allowedExamples()).allMatch(a -> a.startsWith("config:Put") || a.startsWith("config:Delete"));
    });
    assertThat(AccessChanges.lines(changes).get(0)).startsWith("+" + changes.get(0).allowed() + " config action(s) allowed");
    List<AccessChanges.ServiceChange> back = AccessChanges.between(d.documentWithout(LIFTED, Set.of("DenyConfigRules")),
        d.documentFor(LIFTED), IamCatalogue.pinned());
    assertThat(back).singleElement().satisfies(c -> assertThat(c.denied()).isEqualTo(changes.get(0).allowed()));
    assertThat(AccessChanges.between(d.documentFor(LIFTED), d.documentFor(OTHER), IamCatalogue.pinned())).isEmpty();
    assertThat(AccessChanges.lines(List.of())).containsExactly("no change in what the boundary allows");
  }
}
