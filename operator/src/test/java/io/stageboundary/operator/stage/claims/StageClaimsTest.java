package io.stageboundary.operator.stage.claims;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StageClaimsTest {
  private static StageClaims.Claim claim(String stage, long gen, String policy, String qualifier, String... accounts) {
    return new StageClaims.Claim(stage, "main", gen, Set.of(accounts),
        Set.of("boundary policy " + policy, "CDK qualifier " + qualifier));
  }

  @Test
  void twoStagesOnTheSameAccountWithTheSameQualifierConflictBothWays() {
    StageClaims claims = new StageClaims();
    claims.publish(claim("prod", 1, "p-prod", "hnb659fds", "1", "2", "3"));
    assertThat(claims.publish(claim("special", 1, "p-special", "hnb659fds", "3", "4"))).containsExactly("prod");
    assertThat(claims.conflictsOf("prod")).isEqualTo(Map.of("3", Set.of("special")));
    assertThat(claims.conflictsOf("special")).isEqualTo(Map.of("3", Set.of("prod")));
    assertThat(claims.remove("special")).containsExactly("prod");
    assertThat(claims.conflictsOf("prod")).isEmpty();
  }

  @Test
  void republishingAnUnchangedClaimWakesNobody() {
    StageClaims claims = new StageClaims();
    claims.publish(claim("prod", 1, "p", "q", "1"));
    assertThat(claims.publish(claim("special", 1, "p", "q", "1"))).containsExactly("prod");
    assertThat(claims.publish(claim("prod", 1, "p", "q", "1"))).as("each pass republishes; no wake loop").isEmpty();
    assertThat(claims.publish(claim("prod", 2, "p", "q", "1", "2"))).containsExactly("special");
  }

  @Test
  void differentQualifiersAndPolicyNamesMayShareAnAccount() {
    StageClaims claims = new StageClaims();
    claims.publish(claim("a", 1, "p-a", "q1", "1"));
    claims.publish(claim("b", 1, "p-b", "q2", "1"));
    assertThat(claims.conflictsOf("a")).isEmpty();
    claims.publish(claim("c", 1, "p-a", "q3", "1"));
    assertThat(claims.conflictsOf("a")).containsKey("1");
  }

  @Test
  void completeOnlyWhenEveryPeerPublishedForItsGeneration() {
    StageClaims claims = new StageClaims();
    claims.publish(claim("a", 2, "p", "q", "1"));
    List<Map.Entry<String, Long>> peers = List.of(new AbstractMap.SimpleEntry<>("a", 2L),
        new AbstractMap.SimpleEntry<>("b", 1L));
    assertThat(claims.complete(peers)).isFalse();
    claims.publish(claim("b", 1, "pb", "qb"));
    assertThat(claims.complete(peers)).isTrue();
    assertThat(claims.complete(List.of(new AbstractMap.SimpleEntry<>("a", 3L)))).isFalse();
  }
}
