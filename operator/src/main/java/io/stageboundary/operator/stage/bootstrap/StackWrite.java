package io.stageboundary.operator.stage.bootstrap;

/** What a rollout would do to one bootstrap stack, as a plan shows it. */
public enum StackWrite {
  /** The stack exists and would be updated (the boundary, a profile parameter, an upgrade). */
  UPDATE,
  /** There is no stack yet and the stage creates it ({@code createIfMissing}). */
  CREATE
}
