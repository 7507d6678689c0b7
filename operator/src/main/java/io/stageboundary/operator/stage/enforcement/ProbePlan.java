package io.stageboundary.operator.stage.enforcement;

import com.fasterxml.jackson.databind.JsonNode;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Enforcement;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.policy.EnforcementProbes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What to ask IAM in one account: the requests, made only when the pair is checked, and a
 * fingerprint of them; a current pair whose last proof was asked with another fingerprint (new
 * rules, declared probes, the guardrail now applying) is checked again at once.
 *
 * <p>A proof is of one boundary revision, and is asked only once the account's policy holds it
 * ({@link Probing#NOT_YET} until then): asked while a rollout is still on its way, IAM would judge
 * the old policy, and a new Deny would look broken until the next drift check.
 *
 * <p>IAM is global, so an account is proven once, in the stage's first region: its other regions'
 * roles are read (GetRole) to carry the same boundary, and IAM is asked about them too only when
 * one has lost it ({@link Probing#ONLY_WHEN_LOST}), so the failed probes show it.
 *
 * @param revision the boundary revision the probes prove
 * @param denying the Sids of the boundary's Deny statements that name an action, for a failure's message
 * @param guardrail the stage's SCP as read back from Organizations, where it applies to the account
 *     (null elsewhere): a guardrail claim IAM's simulation does not prove is evaluated against it
 * @param standsFor how long a proof stands while nothing it rests on changes (spec.verification.reproveAfter)
 */
public record ProbePlan(String fingerprint, String revision, Supplier<List<EnforcementProbes.Request>> requests,
    Probing probing, Function<String, List<String>> denying, ReadBack guardrail, Duration standsFor) {

  public ProbePlan(String fingerprint, String revision, Supplier<List<EnforcementProbes.Request>> requests,
      Probing probing, Function<String, List<String>> denying) {
    this(fingerprint, revision, requests, probing, denying, null, Duration.ZERO);
  }

  /**
   * Whether the last proof of a pair whose roles carry the boundary still stands: it proved these
   * probes (the fingerprint covers the rules, declared probes, guardrail and lifts) of this
   * revision, none failed, the stack was current then and is now, and it is younger than
   * {@link #standsFor}. IAM's decision rests on the documents and the roles' boundaries, which the
   * check has just read; what the check cannot see (a role's own policies, IAM itself) is asked
   * again after {@code standsFor}.
   */
  public boolean stands(RegionBootstrap last, Instant now) {
    Enforcement e = last == null ? null : last.enforcement();
    return e != null && last.state() == BootstrapState.CURRENT && fingerprint.equals(e.probeSet())
        && revision.equals(e.revision()) && e.failed() != null && e.failed() == 0 && e.lastChecked() != null
        && Instant.parse(e.lastChecked()).plus(standsFor).isAfter(now);
  }

  /**
   * An SCP as Organizations holds it, attached to the account or an OU above it.
   *
   * @param account the account proven: its roles are the principals evaluated
   */
  public record ReadBack(String policyId, JsonNode document, String account, String partition) {
    /** A role's ARN, as a request carries it in aws:PrincipalArn. */
    public String roleArn(String roleName) {
      return "arn:" + partition + ":iam::" + account + ":role/" + roleName;
    }
  }

  /** When a checked pair asks IAM. */
  public enum Probing {
    /** Whenever the pair is checked: the account's proving region. */
    WHEN_CHECKED,
    /** Only when a role lost its boundary: the account's other regions. */
    ONLY_WHEN_LOST,
    /** Not yet: the account's policy does not hold this revision yet; the last proof is kept as it was. */
    NOT_YET
  }

  public ProbePlan onlyWhenLost() {
    return probing == Probing.NOT_YET ? this
        : new ProbePlan(fingerprint, revision, requests, Probing.ONLY_WHEN_LOST, denying, guardrail, standsFor);
  }

  public ProbePlan notYet() {
    return new ProbePlan(fingerprint, revision, requests, Probing.NOT_YET, denying, guardrail, standsFor);
  }

  /** Whether a pair whose roles all carry the boundary is proven when checked. */
  public boolean whenHeld() {
    return probing == Probing.WHEN_CHECKED;
  }
}
