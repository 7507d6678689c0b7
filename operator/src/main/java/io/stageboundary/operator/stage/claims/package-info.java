/**
 * Who may write to which account: the claims every Stage publishes (two Stages claiming the same
 * account, region and qualifier are a Conflict, and neither writes it) and the guard against
 * taking turns with another writer ({@code ContestGuard}).
 */
package io.stageboundary.operator.stage.claims;
