/**
 * Proof in each account: the boundary policy holds the rendered document ({@code BoundaryVerifier},
 * with its repair), and IAM itself denies what the boundary and guardrail should deny
 * ({@code EnforcementCheck}, asked through {@code ProbePlan}).
 */
package io.stageboundary.operator.stage.enforcement;
