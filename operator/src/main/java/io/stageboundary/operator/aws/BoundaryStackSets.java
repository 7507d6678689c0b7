package io.stageboundary.operator.aws;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The StackSet calls a stage's boundary needs. Writes that start an operation take the
 * operation id the caller derived, so a retried request never starts the same work twice.
 * Failures are {@link AwsFailure}s.
 */
public interface BoundaryStackSets {

  Optional<StackSetView> describe(String name);

  /**
   * Whether StackSets accepts the caller as a delegated administrator (ListStackSets with
   * CallAs DELEGATED_ADMIN is refused as invalid for an account that is not registered).
   */
  boolean acceptsDelegatedAdmin();

  /** Creates a service-managed stack set; returns its id. Starts no operation. */
  String create(String name, String templateBody, String description, Map<String, String> tags);

  /** New template for every instance. */
  void updateTemplate(String name, String templateBody, OperationPreferences prefs, String operationId);

  /** Re-applies the current template to these accounts (retries failed or outdated ones). */
  void updateInstances(String name, Collection<Target> targets, String region,
      OperationPreferences prefs, String operationId);

  void createInstances(String name, Collection<Target> targets, String region,
      OperationPreferences prefs, String operationId);

  void deleteInstances(String name, Collection<Target> targets, String region, boolean retainStacks,
      OperationPreferences prefs, String operationId);

  List<InstanceView> instances(String name);

  /**
   * The parameters overridden on one account's instance (DescribeStackInstance ParameterOverrides),
   * by key; empty when none is, or there is no instance.
   */
  Map<String, String> parameterOverrides(String name, String accountId, String region);

  /**
   * Sets the overridden parameters of these accounts' instances to exactly {@code overrides}
   * (UpdateStackInstances ParameterOverrides; an empty map sets every parameter back to the stack
   * set's value). An operation like any other.
   */
  void overrideParameters(String name, Collection<Target> targets, String region, Map<String, String> overrides,
      OperationPreferences prefs, String operationId);

  /** StackSet drift detection: an operation like any other (one at a time per stack set). */
  void detectDrift(String name, OperationPreferences prefs, String operationId);

  /**
   * Asks StackSets to stop a running operation (StopStackSetOperation): instances not started are
   * cancelled, those in progress finish, then the operation is STOPPED. A no-op when it has ended.
   */
  void stop(String name, String operationId);

  Optional<OperationView> operation(String name, String operationId);

  /** Per-account results of an operation (for failure reasons). */
  List<ResultView> results(String name, String operationId);

  void delete(String name);

  /** An account and the OU it is addressed through (its parent OU, for service-managed sets). */
  record Target(String accountId, String organizationalUnitId) {}

  record StackSetView(String name, String id, String templateBody, String status,
      String driftStatus, java.time.Instant lastDriftCheck) {
    public StackSetView(String name, String id, String templateBody, String status) {
      this(name, id, templateBody, status, null, null);
    }
  }

  record InstanceView(String accountId, String region, String organizationalUnitId, String status,
      String detailedStatus, String statusReason, String driftStatus, String lastOperationId) {
    /** The instance's last deployment succeeded (its policy exists, perhaps at an older revision). */
    public boolean current() {
      return "CURRENT".equals(status);
    }

    /** An operation is deploying to it now. */
    public boolean inFlight() {
      return "PENDING".equals(detailedStatus) || "RUNNING".equals(detailedStatus);
    }

    /**
     * Its last deployment was tried and failed there (DetailedStatus FAILED), as opposed to cancelled
     * because another account's failure went beyond the failure tolerance, or skipped.
     */
    public boolean failed() {
      return !current() && "FAILED".equals(detailedStatus);
    }

    /** StackSet drift detection found it drifted. */
    public boolean drifted() {
      return "DRIFTED".equals(driftStatus);
    }
  }

  record OperationView(String id, String action, String status, Instant created, Instant ended,
      String statusReason) {
    public boolean running() {
      return "RUNNING".equals(status) || "QUEUED".equals(status) || "STOPPING".equals(status);
    }

    public boolean succeeded() {
      return "SUCCEEDED".equals(status);
    }
  }

  record ResultView(String accountId, String region, String status, String statusReason) {
    public boolean failed() {
      return "FAILED".equals(status);
    }
  }

  record OperationPreferences(int maxConcurrentPercentage, int failureTolerancePercentage,
      boolean regionsInParallel) {}
}
