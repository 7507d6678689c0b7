/**
 * The stage's service control policy ({@code spec.guardrail}): rights and limits checked before any
 * write, then created, updated, attached and detached ({@code Guardrails}).
 */
package io.stageboundary.operator.stage.guardrail;
