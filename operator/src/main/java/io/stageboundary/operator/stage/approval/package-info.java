/**
 * Plans and approval ({@code spec.rollout.approval}): what the desired state would write, shown as
 * {@code status.plan}; under Manual nothing is written until that plan is approved ({@code Approvals}).
 */
package io.stageboundary.operator.stage.approval;
