/**
 * The boundary StackSet: what to do next (the pure {@code RolloutPlanner}), the one place that
 * starts and follows StackSet operations with write-ahead, deterministic ids
 * ({@code StackSetOperations}, {@code OperationIds}), and when instances are listed again
 * ({@code InstanceListings}).
 */
package io.stageboundary.operator.stage.rollout;
