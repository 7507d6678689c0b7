package io.stageboundary.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPermissionsBoundary;
import software.amazon.awssdk.services.iam.model.GetAccountAuthorizationDetailsRequest;
import software.amazon.awssdk.services.iam.model.GetAccountAuthorizationDetailsResponse;
import software.amazon.awssdk.services.iam.model.ManagedPolicyDetail;
import software.amazon.awssdk.services.iam.model.PolicyVersion;
import software.amazon.awssdk.services.iam.model.RoleDetail;

/** What one GetAccountAuthorizationDetails read keeps of an account, and when it may serve a check. */
class IamDetailsTest {
  private static final String BOUNDARY = "arn:aws:iam::200000000001:policy/developer-policy-dev";
  private static final String OTHER = "arn:aws:iam::200000000001:policy/team-policy";

  /** Two pages, as IAM pages the call; each request is recorded. */
  private static final class Paged implements IamClient {
    final List<GetAccountAuthorizationDetailsRequest> asked = new ArrayList<>();

    @Override
    public GetAccountAuthorizationDetailsResponse getAccountAuthorizationDetails(GetAccountAuthorizationDetailsRequest r) {
      asked.add(r);
      if (r.marker() == null) {
        return GetAccountAuthorizationDetailsResponse.builder().isTruncated(true).marker("page-2")
            .roleDetailList(role("cdk-hnb659fds-cfn-exec-role-200000000001-us-east-1", BOUNDARY),
                role("team-app-role", OTHER), role("cdk-hnb659fds-lookup-role-200000000001-us-east-1", null))
            .build();
      }
      return GetAccountAuthorizationDetailsResponse.builder().isTruncated(false)
          .policies(policy(BOUNDARY, "%7B%22Version%22%3A%222012-10-17%22%7D"), policy(OTHER, "{\"Version\":\"2012-10-17\"}"))
          .build();
    }

    private static RoleDetail role(String name, String boundary) {
      return RoleDetail.builder().roleName(name).permissionsBoundary(boundary == null ? null
          : AttachedPermissionsBoundary.builder().permissionsBoundaryArn(boundary).build()).build();
    }

    private static ManagedPolicyDetail policy(String arn, String document) {
      return ManagedPolicyDetail.builder().arn(arn).defaultVersionId("v2").policyVersionList(
          PolicyVersion.builder().versionId("v1").isDefaultVersion(false).document("{}").build(),
          PolicyVersion.builder().versionId("v2").isDefaultVersion(true).document(document).build()).build();
    }

    @Override
    public String serviceName() {
      return "iam";
    }

    @Override
    public void close() {
    }
  }

  @Test
  void oneReadFollowsThePagesAndKeepsTheCdkRolesAndTheirBoundaryPolicies() {
    Paged iam = new Paged();
    IamDetails details = IamDetails.read(iam, null, Instant.parse("2026-12-07T10:00:00Z"), 0);

    assertThat(iam.asked).hasSize(2);
    assertThat(iam.asked.get(1).marker()).isEqualTo("page-2");
    assertThat(iam.asked.get(0).maxItems()).isEqualTo(1000);
    assertThat(details.roleBoundary("cdk-hnb659fds-cfn-exec-role-200000000001-us-east-1")).contains(BOUNDARY);
    assertThat(details.roleBoundary("cdk-hnb659fds-lookup-role-200000000001-us-east-1")).as("no boundary").contains("");
    assertThat(details.roleBoundary("team-app-role")).as("not a CDK role: not kept").isEmpty();
    assertThat(details.defaultVersion(BOUNDARY)).hasValueSatisfying(v -> {
      assertThat(v.id()).isEqualTo("v2");
      assertThat(v.document()).as("URL-decoded, as IAM encodes it").isEqualTo("{\"Version\":\"2012-10-17\"}");
    });
    assertThat(details.answers(BOUNDARY)).isTrue();
    assertThat(details.answers(OTHER)).as("exists, but no CDK role carries it: its document was not kept").isFalse();
    assertThat(details.answers("arn:aws:iam::200000000001:policy/gone")).as("known not to exist").isTrue();
    assertThat(details.defaultVersion("arn:aws:iam::200000000001:policy/gone")).isEmpty();
  }

  @Test
  void aReadServesChecksWhileYoungEnoughAndNothingWasWrittenSince() {
    Instant taken = Instant.parse("2026-12-07T10:00:00Z");
    IamDetails details = IamDetails.read(new Paged(), OTHER, taken, 3);

    assertThat(details.answers(OTHER)).as("the policy asked about is kept").isTrue();
    assertThat(details.fresh(taken.plusSeconds(60), 3, Duration.ofMinutes(30))).isTrue();
    assertThat(details.fresh(taken.plusSeconds(60), 4, Duration.ofMinutes(30))).as("a write since").isFalse();
    assertThat(details.fresh(taken.plusSeconds(2), 3, Duration.ofSeconds(1))).as("older than the check allows").isFalse();
    assertThat(details.fresh(taken.plus(IamDetails.KEPT_FOR).plusSeconds(1), 3, Duration.ofHours(1)))
        .as("never kept longer than a few passes").isFalse();
  }
}
