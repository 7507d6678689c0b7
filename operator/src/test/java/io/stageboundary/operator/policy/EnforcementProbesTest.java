package io.stageboundary.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.policy.EnforcementProbes.Expect;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The probes that prove a boundary, derived from the guards, the stage's denies and its declared probes. */
class EnforcementProbesTest {
  private static final String ACCOUNT = "400000000001";

  private static StageSpec spec(String boundary, String verification) {
    return Serialization.unmarshal("""
        organizationRef: {name: main}
        boundary:
        %s
        targets: {organizationalUnits: [ou-sbo1-prod0001], regions: [us-east-1]}
        %s
        """.formatted(boundary.indent(2).stripTrailing(), verification), StageSpec.class);
  }

  @Test
  void guardsDeniesAndDeclaredProbesInAsFewRequestsAsTheirContextsAllow() throws Exception {
    StageSpec spec = spec("""
        policyName: developer-policy-prod
        statements:
        - {sid: DenyModifyingConfig, effect: Deny, actions: ["config:*"], resources: ["*"]}
        - {sid: DenyAllowLike, effect: Allow, actions: ["s3:*"], resources: ["*"]}
        - sid: DenyOutsideApprovedRegions
          effect: Deny
          notActions: ["iam:*", "sts:*"]
          resources: ["*"]
          conditions: {StringNotEquals: {"aws:RequestedRegion": [us-east-1, eu-west-1]}}
        """, "verification: {probes: [{action: s3:GetObject, expect: Allowed}]}");
    BoundaryDocument doc = BoundaryDocument.render("prod", spec.boundary(), "aws");
    List<EnforcementProbes.Request> requests = EnforcementProbes.of(doc, spec, ACCOUNT, IamCatalogue.pinned());
    assertThat(requests).hasSize(3);
    EnforcementProbes.Request plain = requests.get(0);
    assertThat(plain.context()).isEmpty();
    assertThat(plain.probes()).extracting(EnforcementProbes.Probe::label).contains("guard: no role without this boundary",
        "guard: the boundary is not deleted", "declared: s3:GetObject Allowed").anyMatch(l -> l.startsWith("DenyModifyingConfig denies config:"));
    assertThat(plain.resources()).containsExactlyInAnyOrder("*", "arn:aws:iam::" + ACCOUNT + ":policy/developer-policy-prod");
    assertThat(plain.probes()).noneMatch(p -> p.label().startsWith("DenyAllowLike")).as("an Allow is not a deny to prove");
    assertThat(requests.get(1).context()).isEqualTo(Map.of("iam:PermissionsBoundary",
        List.of("arn:aws:iam::" + ACCOUNT + ":policy/developer-policy-prod")));
    assertThat(requests.get(1).probes()).singleElement().extracting(EnforcementProbes.Probe::expect)
        .isEqualTo(Expect.NOT_DENIED_BY_BOUNDARY);
    assertThat(requests.get(2).context()).containsEntry("aws:RequestedRegion", List.of("sbo-probe"));
    assertThat(requests.get(2).probes()).singleElement().satisfies(p -> assertThat(p.action()).isEqualTo("ec2:RunInstances"));
  }

  @Test
  void anAllowListWithoutCreateRoleSkipsTheProbeItCouldNotPass() throws Exception {
    StageSpec spec = spec("policyName: p\nallowedActions: [\"s3:*\"]", "");
    BoundaryDocument doc = BoundaryDocument.render("s", spec.boundary(), "aws");
    assertThat(EnforcementProbes.of(doc, spec, ACCOUNT, IamCatalogue.pinned()))
        .noneMatch(r -> r.context().containsKey("iam:PermissionsBoundary"));
  }
}
