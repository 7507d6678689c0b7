/**
 * The Stage controller: what one pass over a Stage does, in order ({@code StageController#reconcile}),
 * and the steps that tie the capabilities together: observing the targets and the StackSet
 * ({@code StageObserver}), checking every account ({@code AccountChecks}), the one next StackSet
 * write ({@code StageActions}), deletion ({@code StageDeletion}), and the Operator SDK side
 * ({@code StageReconciler}). Each capability is a package below this one; none of them uses it.
 */
package io.stageboundary.operator.stage;
