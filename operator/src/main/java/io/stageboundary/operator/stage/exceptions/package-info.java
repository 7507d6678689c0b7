/**
 * BoundaryExceptions: which of a stage's Deny statements are lifted in which accounts, until when
 * ({@link io.stageboundary.operator.stage.exceptions.Exceptions}), read back from each instance's
 * parameter overrides, and the one override step that brings an account to what is granted.
 */
package io.stageboundary.operator.stage.exceptions;
