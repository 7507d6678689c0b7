/**
 * CDK bootstrap stacks: one (account, region) pair at a time ({@code BootstrapPair}: read, decide
 * with the cdk planner, update, follow, repair drift; {@code PairRoles}: its CDK roles checked,
 * repaired and proven), all of a stage's pairs with bounded concurrency and per-pair backoff
 * ({@code BootstrapRunner}, which looks at the pairs {@code DuePairs} says are due), stacks in
 * flight ({@code InFlightStacks}), and clearing the boundary on deletion ({@code BootstrapClearing}).
 */
package io.stageboundary.operator.stage.bootstrap;
