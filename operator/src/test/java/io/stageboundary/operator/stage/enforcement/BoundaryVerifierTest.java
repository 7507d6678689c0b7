package io.stageboundary.operator.stage.enforcement;

import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Boundary;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.aws.BoundaryPolicies;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which policy version the direct check asks IAM for first. */
class BoundaryVerifierTest {
  private static final String ACCOUNT = "200000000001";
  private final ExecutorService pool = Executors.newFixedThreadPool(1);
  private final Schedule schedule = new Schedule(Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30),
      Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC));
  private final BoundaryVerifier verifier = new BoundaryVerifier(pool, 1, schedule);

  /** One account's policy as IAM holds it: numbered versions, one default; records what was asked. */
  private static final class Iam implements BoundaryPolicies {
    final List<String> versions = new ArrayList<>();
    int defaultVersion = -1;
    final List<String> asked = new ArrayList<>();

    void put(String document) {
      versions.add(document);
      defaultVersion = versions.size() - 1;
    }

    @Override
    public Optional<Version> defaultVersion(String policyArn, String likely) {
      if (likely != null) {
        asked.add(likely);
      }
      if (defaultVersion < 0) {
        return Optional.empty();
      }
      if (likely == null || !likely.equals("v" + (defaultVersion + 1))) {
        asked.add("GetPolicy");
      }
      return Optional.of(new Version("v" + (defaultVersion + 1), versions.get(defaultVersion)));
    }

    /** At rest: the account's whole IAM in one read (GetAccountAuthorizationDetails). */
    @Override
    public Optional<Version> recentDefaultVersion(String policyArn, Duration maxAge) {
      asked.add("recent");
      return defaultVersion < 0 ? Optional.empty()
          : Optional.of(new Version("v" + (defaultVersion + 1), versions.get(defaultVersion)));
    }

    @Override
    public Optional<Existing> existing(String policyArn) {
      return defaultVersion < 0 ? Optional.empty() : Optional.of(new Existing(0, 0));
    }

    @Override
    public void restoreDocument(String policyArn, String document) {
      put(document);
    }

    @Override
    public void recreate(String policyName, String description, String document) {
      versions.clear();
      put(document);
    }
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static BoundaryDocument doc(String... denied) throws Exception {
    return BoundaryDocument.render("dev", new StageSpec.Boundary("developer-policy-dev", List.of(new StageSpec.Statement(
        "Deny", StageSpec.Effect.Deny, List.of(denied), null, List.of("*"), null, null)), null), "aws");
  }

  private Boundary check(BoundaryDocument doc, Iam iam, Map<String, Boundary> previous) {
    return verifier.verify(doc, List.of(ACCOUNT), previous, Duration.ZERO, Set.of(), Map.of(), Set.of(), true, a -> iam)
        .boundaries().get(ACCOUNT);
  }

  @Test
  void theDefaultVersionIsAskedForDirectlyWhenItCanBeForeseen() throws Exception {
    BoundaryDocument first = doc("config:*");
    Iam iam = new Iam();
    iam.put(first.documentFor(ACCOUNT).toString());  // the StackSet created the policy

    Boundary seen = check(first, iam, Map.of());
    assertThat(seen.state()).isEqualTo(State.CURRENT);
    assertThat(iam.asked).as("a policy the StackSet has just created is at v1").containsExactly("v1");

    check(first, iam, Map.of(ACCOUNT, seen));
    assertThat(iam.asked).as("unchanged, at rest: the account's IAM in one read, shared with its roles' checks")
        .containsExactly("v1", "recent");

    BoundaryDocument second = doc("config:*", "cloudtrail:StopLogging");
    iam.put(second.documentFor(ACCOUNT).toString());  // the StackSet updated it
    check(second, iam, Map.of(ACCOUNT, seen));
    assertThat(iam.asked).as("after the StackSet's update: the next version").endsWith("v2");

    iam.put("{\"Version\":\"2012-10-17\",\"Statement\":[]}");  // edited out of band: v3, then repaired as v4
    Boundary repaired = check(second, iam, Map.of(ACCOUNT, seen));
    assertThat(repaired.driftReason()).isEqualTo(DriftReason.PolicyModified.name());
    assertThat(iam.asked).as("a wrong guess falls back to GetPolicy").endsWith("v2", "GetPolicy");
    check(second, iam, Map.of(ACCOUNT, repaired));
    assertThat(iam.asked).as("repaired, at rest again").endsWith("recent");
    assertThat(iam.asked.stream().filter("GetPolicy"::equals)).hasSize(1);
    assertThat(check(second, iam, Map.of(ACCOUNT, new Boundary(State.DRIFTED, second.revision(), null, "edited",
        "2026-12-01T11:00:00Z", DriftReason.PolicyModified.name())))).isNotNull();
    assertThat(iam.asked).as("a drifted policy is asked for directly, the repair's own version").endsWith("v4");
  }

  /**
   * A policy checked at rest comes along with its account's CDK roles once half its interval has
   * passed: when their check is due now, or was made a moment ago (a batch split them over passes).
   */
  @Test
  void aPolicyCheckComesAlongWithItsRolesOnceHalfItsIntervalPassed() throws Exception {
    BoundaryDocument d = doc("config:*");
    Iam iam = new Iam();
    iam.put(d.documentFor(ACCOUNT).toString());
    Map<String, Boundary> fortyMinutesAgo = Map.of(ACCOUNT, new Boundary(State.CURRENT, d.revision(), "CURRENT", null,
        "2026-12-01T11:20:00Z", null));
    Map<String, Boundary> twentyMinutesAgo = Map.of(ACCOUNT, new Boundary(State.CURRENT, d.revision(), "CURRENT", null,
        "2026-12-01T11:40:00Z", null));
    Duration hourly = Duration.ofHours(1);
    Map<String, List<RegionBootstrap>> rolesDue = roles("2026-12-01T11:00:00Z");
    Map<String, List<RegionBootstrap>> rolesJustChecked = roles("2026-12-01T11:58:00Z");

    verifier.verify(d, List.of(ACCOUNT), fortyMinutesAgo, hourly, Set.of(), roles("2026-12-01T11:30:00Z"), Set.of(), true,
        a -> iam);
    assertThat(iam.asked).as("40 minutes, its roles not due: not due").isEmpty();
    verifier.verify(d, List.of(ACCOUNT), twentyMinutesAgo, hourly, Set.of(), rolesDue, Set.of(), true, a -> iam);
    assertThat(iam.asked).as("20 minutes, its roles due: it stays").isEmpty();
    Boundary along = verifier.verify(d, List.of(ACCOUNT), fortyMinutesAgo, hourly, Set.of(), rolesDue, Set.of(), true,
        a -> iam).boundaries().get(ACCOUNT);
    assertThat(iam.asked).as("40 minutes, its roles due: it comes along, from the same read")
        .containsExactly("recent");
    assertThat(along.lastChecked()).isEqualTo("2026-12-01T12:00:00Z");
    verifier.verify(d, List.of(ACCOUNT), fortyMinutesAgo, hourly, Set.of(), rolesJustChecked, Set.of(), true, a -> iam);
    assertThat(iam.asked).as("40 minutes, its roles checked two minutes ago: it comes along").hasSize(2);
  }

  /** An account's CDK role checks in one region, current, last made at {@code lastChecked}. */
  private static Map<String, List<RegionBootstrap>> roles(String lastChecked) {
    return Map.of(ACCOUNT, List.of(new RegionBootstrap("us-east-1", BootstrapState.CURRENT, null, null, null, null,
        null, lastChecked, null)));
  }

  @Test
  void aPolicyCheckedBeforeARestartIsReadInFull() throws Exception {
    BoundaryDocument d = doc("config:*");
    Iam iam = new Iam();
    iam.put("{}");
    iam.put(d.documentFor(ACCOUNT).toString());
    Boundary before = new Boundary(State.CURRENT, d.revision(), "CURRENT", null, "2026-12-01T11:00:00Z", null);
    assertThat(check(d, iam, Map.of(ACCOUNT, before)).state()).isEqualTo(State.CURRENT);
    assertThat(iam.asked).as("at rest: one read of the account's IAM, whatever this process saw").containsExactly("recent");
  }

  @Test
  void aPolicyAtANewRevisionCheckedBeforeARestartIsReadInFull() throws Exception {
    BoundaryDocument d = doc("config:*");
    Iam iam = new Iam();
    iam.put("{}");
    iam.put(d.documentFor(ACCOUNT).toString());
    Boundary older = new Boundary(State.CURRENT, "an-older-revision", "CURRENT", null, "2026-12-01T11:00:00Z", null);
    assertThat(check(d, iam, Map.of(ACCOUNT, older)).state()).isEqualTo(State.CURRENT);
    assertThat(iam.asked).containsExactly("GetPolicy");
  }
}
