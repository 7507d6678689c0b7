package io.stageboundary.operator.kube;

/** Why an event was recorded; the name is the event's reason (kubectl describe shows it). */
public enum EventReason {
  // Stage: StackSet writes and their outcome
  StackSetCreated, OperationStarted, OperationSucceeded, OperationFailed, OperationStopped, StackSetDeleted,
  // Stage: per-account work
  BootstrapUpdated, BootstrapFailed, DriftRepaired, DriftDetected, ContestedByAnotherWriter, PolicyAdopted,
  // Stage: the guardrail SCP
  GuardrailCreated, GuardrailUpdated, GuardrailAttached, GuardrailDetached, GuardrailDeleted,
  // Stage deletion
  Retained, BootstrapCleared, BootstrapClearFailed, DeletingInstances,
  // AWS refused
  AwsAccessDenied, AwsRequestFailed, AwsError,
  // AwsOrganization
  DeletionBlocked,
  // Stage: plans under spec.rollout.approval Manual
  PlanReady, PlanApproved,
  // Stage and BoundaryException: exceptions granted, ended, refused (BreakGlassGranted is a Warning)
  ExceptionGranted, BreakGlassGranted, ExceptionEnded, ExceptionRefused,
  // BoundaryRules
  RulesPromoted
}
