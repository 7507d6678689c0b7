package io.stageboundary.operator.stage.enforcement;

import io.stageboundary.operator.policy.EnforcementProbes;
import java.util.List;
import java.util.function.Supplier;

/**
 * What to ask IAM in one account: the requests, made only when the pair is checked, and a
 * fingerprint of them; a current pair whose last proof was asked with another fingerprint (new
 * rules, declared probes, the guardrail now applying) is checked again at once.
 *
 * <p>IAM is global, so an account is proven once, in the stage's first region: its other regions'
 * roles are read (GetRole) to carry the same boundary, and IAM is asked about them too only when
 * one has lost it ({@code whenHeld} false), so the failed probes show it.
 */
public record ProbePlan(String fingerprint, Supplier<List<EnforcementProbes.Request>> requests,
    boolean whenHeld) {
  public ProbePlan(String fingerprint, Supplier<List<EnforcementProbes.Request>> requests) {
    this(fingerprint, requests, true);
  }

  public ProbePlan onlyWhenLost() {
    return new ProbePlan(fingerprint, requests, false);
  }
}
