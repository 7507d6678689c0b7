/**
 * The Stage status and metrics: the one aggregator every step reports to, which alone decides
 * Ready ({@code StageStatusBuilder}), the roll-up conditions (Bootstrapped, Enforced, Guarded), and
 * the Prometheus metrics of a stage.
 */
package io.stageboundary.operator.stage.status;
