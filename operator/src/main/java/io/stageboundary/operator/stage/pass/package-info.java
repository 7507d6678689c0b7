/**
 * What one pass over a Stage carries from step to step: its inputs from the cluster, what it
 * observed (of the StackSet and of the guardrail), the {@code Gate} a step stops the pass with,
 * and the shared vocabulary (drift reasons, StackSet operation actions and phases). Uses no other
 * part of the Stage controller.
 */
package io.stageboundary.operator.stage.pass;
