package io.stageboundary.operator.kube;

/**
 * Why a condition has its status; the name is the condition's {@code reason} (CamelCase, as
 * kstatus and Argo CD read it). Argo CD's health checks in deploy/argocd name some of these, and a
 * test keeps them in step.
 */
public enum ConditionReason {
  // Ready, and why a settled stage is not
  Ready, Converged, Suspended, Conflict, AccountsBlocked, AccountsNotCurrent, Drifted, ProbesFailed, Unguarded, NotBootstrapped,
  // Reconciling: work under way, or waiting for something that comes by itself
  Progressing, NoProblem, OperationRequested, OperationRunning, StackSetCreated, StackSetBusy, RetryBackoff,
  Verifying, ApplyingGuardrail, AwaitingApproval, WaitingForOrganization, WaitingForRules, WaitingForOtherStages,
  WaitingForPromotion, WaitingForDriftDetection, Soaking, Promoted, AwsThrottled, AwsUnavailable, Deleting,
  ClearingBootstrap, DeletionSuspended,
  // Stalled: a human must change something
  InvalidBoundary, InvalidBootstrap, InvalidGuardrail, InvalidRules, InvalidTargets, OrganizationNotFound,
  IncludedRulesNotFound, CredentialsUnavailable, CallAsMismatch, AwsAccessDenied, AwsRequestFailed, AwsError,
  InternalError, GuardrailNotPermitted, GuardrailNameTaken, GuardrailTargetFull, ServiceControlPoliciesDisabled,
  DeletionFailed, DeletionBlocked, InUse,
  // domain conditions
  AllAccountsCurrent, AccountsPending, AllBootstrapped, BootstrapDisabled, BootstrapFailed, BootstrapInProgress,
  ForeignBootstrapVariant, InSync,
  AccountsClaimedByOtherStages, NoConflict, AllProbesPassed, NoRolesToProbe, NotCheckedYet, Checked, Attached,
  ProofPending, Disabled, GuardrailPending, GuardrailDrifted
}
