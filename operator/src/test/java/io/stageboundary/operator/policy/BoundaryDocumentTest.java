package io.stageboundary.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec.Effect;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class BoundaryDocumentTest {
  private static final String ACCOUNT = "400000000001";

  static Statement deny(String sid, String... actions) {
    return new Statement(sid, Effect.Deny, List.of(actions), null, List.of("*"), null, null);
  }

  static StageSpec.Boundary boundary(String name, Statement... statements) {
    return new StageSpec.Boundary(name, List.of(statements), null);
  }

  private static List<JsonNode> statements(JsonNode doc) {
    return StreamSupport.stream(doc.get("Statement").spliterator(), false).toList();
  }

  private static JsonNode bySid(JsonNode doc, String sid) {
    return statements(doc).stream().filter(s -> sid.equals(s.path("Sid").asText())).findFirst()
        .orElseThrow(() -> new AssertionError("no statement " + sid + " in " + doc));
  }

  @Test
  void theDenyStatementsThatNameAnActionAreFoundBySid() throws Exception {
    Statement outside = new Statement("DenyOutsideRegions", Effect.Deny, null, List.of("iam:*", "sts:*"), List.of("*"),
        null, null);
    BoundaryDocument d = BoundaryDocument.render("prod", boundary("developer-policy-prod",
        deny("DenyConfig", "config:*"), deny("DenyReading", "s3:Get*"), outside), "aws");
    assertThat(d.denyingStatements("config:PutConfigRule")).containsExactly("DenyConfig", "DenyOutsideRegions");
    assertThat(d.denyingStatements("S3:GetObject")).as("matched as IAM does, ignoring case")
        .containsExactly("DenyReading", "DenyOutsideRegions");
    assertThat(d.denyingStatements("iam:CreateRole")).contains(Guards.REQUIRE_BOUNDARY_SID)
        .doesNotContain("DenyOutsideRegions");
  }

  @Test
  void everyBoundaryCarriesTheGuardsWithItsOwnArn() throws Exception {
    BoundaryDocument d = BoundaryDocument.render("prod", boundary("developer-policy-prod",
        deny("DenyConfig", "config:*")), "aws");
    JsonNode doc = d.documentFor(ACCOUNT);
    String arn = "arn:aws:iam::" + ACCOUNT + ":policy/developer-policy-prod";
    assertThat(bySid(doc, Guards.ALLOW_ALL_SID).get("Effect").asText()).isEqualTo("Allow");
    JsonNode require = bySid(doc, Guards.REQUIRE_BOUNDARY_SID);
    assertThat(require.get("Effect").asText()).isEqualTo("Deny");
    assertThat(require.at("/Condition/StringNotEquals/iam:PermissionsBoundary").asText()).isEqualTo(arn);
    assertThat(require.get("Action").toString()).contains("iam:CreateRole", "iam:CreateUser",
        "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary");
    JsonNode protect = bySid(doc, Guards.PROTECT_POLICY_SID);
    assertThat(protect.get("Effect").asText()).isEqualTo("Deny");
    assertThat(protect.get("Resource").asText()).isEqualTo(arn);
    assertThat(bySid(doc, Guards.KEEP_BOUNDARIES_SID).get("Action").toString())
        .contains("iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary");
    List<JsonNode> all = statements(doc);
    assertThat(all).hasSize(5);
    assertThat(all.get(4).get("Sid").asText()).isEqualTo("DenyConfig");
    assertThat(d.policyArn(ACCOUNT)).isEqualTo(arn);
  }

  @Test
  void theCloudFormationFormSubstitutesTheArnPerAccount() throws Exception {
    BoundaryDocument d = BoundaryDocument.render("dev", boundary("developer-policy-dev"), "aws");
    String template = BoundaryTemplate.render(d);
    assertThat(template).contains("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/developer-policy-dev")
        .contains("AWS::IAM::ManagedPolicy").contains("\"Revision\" : \"" + d.revision() + "\"");
    assertThat(BoundaryTemplate.revisionOf(template)).contains(d.revision());
  }

  @Test
  void anAllowListReplacesAllowAll() throws Exception {
    BoundaryDocument d = BoundaryDocument.render("dev", new StageSpec.Boundary("b",
        List.of(), List.of("s3:*", "lambda:*")), "aws");
    JsonNode doc = d.documentFor(ACCOUNT);
    assertThat(statements(doc)).noneMatch(s -> s.path("Sid").asText().equals(Guards.ALLOW_ALL_SID));
    assertThat(bySid(doc, Guards.ALLOW_LISTED_SID).get("Action").toString()).isEqualTo("[\"s3:*\",\"lambda:*\"]");
  }

  @Test
  void accountAndPartitionAreSubstitutedAndPolicyVariablesKept() throws Exception {
    Statement s = new Statement("OwnBuckets", Effect.Deny, List.of("s3:DeleteBucket"), null,
        List.of("arn:${AWS::Partition}:s3:::logs-${AWS::AccountId}", "arn:aws:s3:::home/${aws:username}/*"),
        null, null);
    BoundaryDocument d = BoundaryDocument.render("dev", boundary("b", s), "aws-us-gov");
    JsonNode resources = bySid(d.documentFor(ACCOUNT), "OwnBuckets").get("Resource");
    assertThat(resources.get(0).asText()).isEqualTo("arn:aws-us-gov:s3:::logs-" + ACCOUNT);
    assertThat(resources.get(1).asText()).isEqualTo("arn:aws:s3:::home/${aws:username}/*");
    assertThat(BoundaryTemplate.render(d)).contains("home/${!aws:username}/*");
  }

  @Test
  void renderingIsDeterministicAndTheRevisionFollowsContent() throws Exception {
    StageSpec.Boundary b = boundary("p", deny("A", "config:*"), deny("B", "ec2:DeleteVpc"));
    BoundaryDocument one = BoundaryDocument.render("prod", b, "aws");
    BoundaryDocument two = BoundaryDocument.render("prod", b, "aws");
    assertThat(BoundaryTemplate.render(one)).isEqualTo(BoundaryTemplate.render(two));
    assertThat(one.revision()).isEqualTo(two.revision()).hasSize(12);
    BoundaryDocument changed = BoundaryDocument.render("prod", boundary("p", deny("A", "config:*")), "aws");
    assertThat(changed.revision()).isNotEqualTo(one.revision());
  }

  @Test
  void refusesWhatIamWouldRefuseWithFixItMessages() {
    assertThatThrownBy(() -> BoundaryDocument.render("s", boundary("bad name"), "aws"))
        .hasMessageContaining("spec.boundary.policyName").hasMessageContaining("+=,.@_-");
    assertThatThrownBy(() -> BoundaryDocument.render("s", boundary("p", deny(Guards.ALLOW_ALL_SID, "s3:*")), "aws"))
        .hasMessageContaining("reserved for the operator's guard statements");
    assertThatThrownBy(() -> BoundaryDocument.render("s", boundary("p", deny("A", "s3:*"), deny("A", "ec2:*")), "aws"))
        .hasMessageContaining("statements[1].sid 'A' is used by an earlier statement");
    assertThatThrownBy(() -> BoundaryDocument.render("s", boundary("p", deny("A", "s3 DeleteBucket")), "aws"))
        .hasMessageContaining("statements[0].actions[0] 's3 DeleteBucket' is not an IAM action");
    assertThatThrownBy(() -> BoundaryDocument.render("s", boundary("p",
        new Statement("A", Effect.Deny, List.of("s3:*"), List.of("ec2:*"), List.of("*"), null, null)), "aws"))
        .hasMessageContaining("needs exactly one of actions or notActions");
    assertThatThrownBy(() -> BoundaryDocument.render("s", boundary("p",
        new Statement("A", Effect.Deny, List.of("s3:*"), null, List.of("*"), null,
            Map.of("StringEqual", Map.of("aws:RequestedRegion", List.of("eu-west-1"))))), "aws"))
        .hasMessageContaining("'StringEqual' is not an IAM condition operator");
    assertThatThrownBy(() -> BoundaryDocument.render("s", boundary("p",
        new Statement("A", Effect.Deny, List.of("s3:*"), null, List.of("arn:aws:s3:::${AWS::Region}"), null, null)), "aws"))
        .hasMessageContaining("${AWS::Region} is not substituted");
  }

  @Test
  void refusesADocumentOverTheIamSizeLimit() {
    List<String> actions = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      actions.add("servicecatalog:AssociateProductWithPortfolioNumber" + (char) ('a' + i % 26) + i);
    }
    List<Statement> many = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      many.add(new Statement("S" + i, Effect.Deny, actions, null, List.of("*"), null, null));
    }
    assertThatThrownBy(() -> BoundaryDocument.render("s", new StageSpec.Boundary("p", many, null), "aws"))
        .isInstanceOf(InvalidBoundaryException.class)
        .hasMessageContaining("over IAM's limit of 6144");
  }

  @Test
  void conditionOperatorsWithQualifiersAreAccepted() throws Exception {
    Statement s = new Statement("Regions", Effect.Deny, null, List.of("iam:*", "sts:*"), List.of("*"), null,
        Map.of("StringNotEqualsIfExists", Map.of("aws:RequestedRegion", List.of("eu-west-1")),
            "ForAnyValue:StringLike", Map.of("aws:TagKeys", List.of("secret*"))));
    JsonNode doc = BoundaryDocument.render("s", boundary("p", s), "aws").documentFor(ACCOUNT);
    assertThat(bySid(doc, "Regions").get("Condition").fieldNames()).toIterable()
        .containsExactlyInAnyOrder("StringNotEqualsIfExists", "ForAnyValue:StringLike");
  }

  /**
   * Generated inputs: whatever statements a Stage lists, a rendered boundary contains every
   * guard with its own ARN, the stage's statements after them, and renders identically twice.
   */
  @RepeatedTest(200)
  void noStatementListYieldsABoundaryWithoutEveryGuard(RepetitionInfo info) {
    Random random = new Random(info.getCurrentRepetition());
    List<Statement> generated = new ArrayList<>();
    int n = random.nextInt(12);
    String[] services = {"s3", "ec2", "iam", "config", "kms", "lambda", "*"};
    for (int i = 0; i < n; i++) {
      List<String> actions = new ArrayList<>();
      for (int a = 0; a <= random.nextInt(4); a++) {
        String svc = services[random.nextInt(services.length)];
        actions.add(svc.equals("*") ? "*" : svc + ":" + (random.nextBoolean() ? "*" : "Delete" + a));
      }
      Effect effect = random.nextBoolean() ? Effect.Allow : Effect.Deny;
      boolean not = random.nextInt(5) == 0;
      String sid = random.nextInt(4) == 0 ? null : "S" + random.nextInt(20);
      generated.add(new Statement(sid, effect, not ? null : actions, not ? actions : null,
          List.of(random.nextBoolean() ? "*" : "arn:aws:s3:::b" + i), null, null));
    }
    StageSpec.Boundary b = new StageSpec.Boundary("p" + random.nextInt(100), generated, null);
    BoundaryDocument d;
    try {
      d = BoundaryDocument.render("gen", b, "aws");
    } catch (InvalidBoundaryException e) {
      // only duplicate sids make a generated list invalid
      assertThat(e.problems()).allSatisfy(p -> assertThat(p).contains("is used by an earlier statement"));
      return;
    }
    JsonNode doc = d.documentFor(ACCOUNT);
    String arn = d.policyArn(ACCOUNT);
    assertThat(bySid(doc, Guards.REQUIRE_BOUNDARY_SID).at("/Condition/StringNotEquals/iam:PermissionsBoundary").asText()).isEqualTo(arn);
    assertThat(bySid(doc, Guards.PROTECT_POLICY_SID).get("Resource").asText()).isEqualTo(arn);
    assertThat(bySid(doc, Guards.KEEP_BOUNDARIES_SID).get("Effect").asText()).isEqualTo("Deny");
    assertThat(statements(doc)).hasSize(4 + generated.size());
    assertThat(statements(doc).subList(0, 4)).allSatisfy(s ->
        assertThat(Guards.RESERVED_SIDS).contains(s.get("Sid").asText()));
    try {
      assertThat(BoundaryTemplate.render(BoundaryDocument.render("gen", b, "aws")))
          .isEqualTo(BoundaryTemplate.render(d));
    } catch (InvalidBoundaryException e) {
      throw new AssertionError(e);
    }
  }
}
