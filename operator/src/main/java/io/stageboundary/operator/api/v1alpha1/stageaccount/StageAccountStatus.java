package io.stageboundary.operator.api.v1alpha1.stageaccount;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageAccountStatus(
    @JsonPropertyDescription("The boundary policy in this account.") Boundary boundary,
    @JsonPropertyDescription("Other Stages that claim this account; while any do, nothing is written to it.") List<String> conflictsWith,
    @JsonPropertyDescription("The account's overall CDK bootstrap state: the least finished of its regions.") BootstrapState bootstrapState,
    @JsonPropertyDescription("The CDK bootstrap stack in each target region.") List<RegionBootstrap> bootstrap,
    @JsonPropertyDescription("Proof from IAM's own evaluation that the CDK roles are held by the boundary, over every region.") Enforcement enforcement,
    @JsonPropertyDescription("Why the operator leaves this account alone while the rest of the stage goes on, and what to do; absent when it does not.") Blocked blocked,
    @JsonPropertyDescription("The BoundaryExceptions that lift statements of the boundary in this account now: which, until when, why.") List<Lift> exceptions) {

  public StageAccountStatus(Boundary boundary, List<String> conflictsWith) {
    this(boundary, conflictsWith, null, null, null, null, null);
  }

  public StageAccountStatus(Boundary boundary, List<String> conflictsWith, BootstrapState bootstrapState,
      List<RegionBootstrap> bootstrap) {
    this(boundary, conflictsWith, bootstrapState, bootstrap, null, null, null);
  }

  public StageAccountStatus(Boundary boundary, List<String> conflictsWith, BootstrapState bootstrapState,
      List<RegionBootstrap> bootstrap, Enforcement enforcement, Blocked blocked) {
    this(boundary, conflictsWith, bootstrapState, bootstrap, enforcement, blocked, null);
  }

  /** The same status, blocked (or no longer: null). */
  public StageAccountStatus withBlocked(Blocked b) {
    return new StageAccountStatus(boundary, conflictsWith, bootstrapState, bootstrap, enforcement, b, exceptions);
  }

  /** The same status with these exceptions in force (null or empty: none). */
  public StageAccountStatus withExceptions(List<Lift> lifts) {
    return new StageAccountStatus(boundary, conflictsWith, bootstrapState, bootstrap, enforcement, blocked,
        lifts == null || lifts.isEmpty() ? null : List.copyOf(lifts));
  }

  /** One BoundaryException in force here. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Lift(
      @JsonPropertyDescription("The BoundaryException.") String exception,
      @JsonPropertyDescription("The statements (by Sid) it lifts here.") List<String> statements,
      @JsonPropertyDescription("When it ends by itself.") String expiresAt,
      @JsonPropertyDescription("True for an emergency (break-glass) exception.") Boolean breakGlass,
      @JsonPropertyDescription("Why, and the reference, as the exception says.") String reason) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Blocked(
      @JsonPropertyDescription("MemberRoleMissing: the operator's member role cannot be assumed in this account; AccountSuspended: the account is suspended or closing.") String reason,
      @JsonPropertyDescription("What the operator found and how to fix it.") String message) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Enforcement(
      @JsonPropertyDescription("When IAM was last asked (SimulatePrincipalPolicy).") String lastChecked,
      @JsonPropertyDescription("Probes IAM decided as expected. The boundary's probes are decided by IAM's simulation (SimulatePrincipalPolicy, which evaluates one permissions boundary); the guardrail's say each how they were proven.") Integer passed,
      @JsonPropertyDescription("Probes IAM decided otherwise.") Integer failed,
      @JsonPropertyDescription("The failed probes (at most ten).") List<ProbeFailure> failures,
      @JsonPropertyDescription("The guardrail's own probes (spec.guardrail): the service control policy denies a role without exemption, and lets the operator's member role through.") GuardrailProof guardrail,
      @JsonPropertyDescription("Fingerprint of the probes asked; a different set (new rules, declared probes, the guardrail attached) is asked at once.") String probeSet,
      @JsonPropertyDescription("The boundary revision these probes proved: they are asked only once the account's policy holds it, and again as soon as a newer one is there.") String revision) {

    public Enforcement(String lastChecked, Integer passed, Integer failed, List<ProbeFailure> failures) {
      this(lastChecked, passed, failed, failures, null, null, null);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GuardrailProof(
      @JsonPropertyDescription("Guardrail claims proven, by IAM's simulation or by the SCP read back.") Integer passed,
      @JsonPropertyDescription("Guardrail claims neither could prove (they are listed with the failures).") Integer failed,
      @JsonPropertyDescription("Each claim proven, and how: IamSimulation (SimulatePrincipalPolicy decided it) or ReadBackEvaluation (IAM's simulator did not, and the service control policy read back from Organizations, attached above the account, was evaluated against the probe's request by the operator).") List<GuardrailClaim> claims) {

    public GuardrailProof(Integer passed, Integer failed) {
      this(passed, failed, null);
    }
  }

  /** How a claim about the account was proven. */
  public enum ProofMethod {
    /** IAM's policy simulator (SimulatePrincipalPolicy) decided it as expected. */
    IamSimulation,
    /**
     * The simulator did not (it may not evaluate SCPs with global condition keys), and the SCP as
     * Organizations holds it, attached to the account or an OU above it, denies (or lets through) the
     * probe's request when the operator evaluates its statements.
     */
    ReadBackEvaluation
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GuardrailClaim(
      @JsonPropertyDescription("What is claimed, e.g. 'guardrail: no CDK role's boundary removed by an unexempt role'.") String claim,
      @JsonPropertyDescription("IamSimulation or ReadBackEvaluation.") ProofMethod method) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ProbeFailure(
      @JsonPropertyDescription("The role simulated.") String role,
      @JsonPropertyDescription("What the probe checks, e.g. 'DenyModifyingConfig denies config:AssociateResourceTypes'.") String probe,
      @JsonPropertyDescription("The action simulated.") String action,
      @JsonPropertyDescription("What was expected: denied by the boundary, not denied by the boundary, Allowed or Denied.") String expected,
      @JsonPropertyDescription("IAM's decision (allowed, explicitDeny, implicitDeny) and whether the boundary allowed it.") String actual,
      @JsonPropertyDescription("The statements IAM names as decisive, if any.") String decisiveStatements) {}

  public enum BootstrapState {
    /** The bootstrap stack carries the boundary as configured, and the execution role has it. */
    CURRENT,
    /** Waiting for the account's boundary policy to be deployed first. */
    PENDING,
    /** A stack update the operator started is in progress. */
    UPDATING,
    /** No bootstrap stack, and createIfMissing is off: left alone. */
    NOT_BOOTSTRAPPED,
    /** The stack is a different BootstrapVariant: never overwritten. */
    FOREIGN,
    /** The last update failed or the stack is in a state that needs a human. */
    FAILED,
    /** Another Stage claims the account. */
    CONFLICT,
    /** The stack or its roles were changed outside the operator after it had bootstrapped them. */
    DRIFTED,
    /** An opt-in region the account has not enabled: nothing can be deployed there, so it is left alone. */
    REGION_NOT_ENABLED
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RegionBootstrap(
      @JsonPropertyDescription("The region.") String region,
      @JsonPropertyDescription("CURRENT, PENDING, UPDATING, NOT_BOOTSTRAPPED, FOREIGN, FAILED, CONFLICT, DRIFTED or REGION_NOT_ENABLED (an opt-in region the account has not enabled: left alone until it is).") BootstrapState state,
      @JsonPropertyDescription("The bootstrap stack's CloudFormation status.") String stackStatus,
      @JsonPropertyDescription("The bootstrap version (BootstrapVersion output, or /cdk-bootstrap/<qualifier>/version).") Integer version,
      @JsonPropertyDescription("The stack's InputPermissionsBoundary parameter.") String boundaryParameter,
      @JsonPropertyDescription("The stack's ApplyPermissionsBoundaryToAllRoles parameter.") Boolean applyToAllRoles,
      @JsonPropertyDescription("The permissions boundary the CloudFormation execution role carries.") String executionRoleBoundary,
      @JsonPropertyDescription("When the operator last checked this account and region: the CDK roles' boundaries every drift check, the stack itself every spec.bootstrap.stackCheckInterval (stackRead).") String lastChecked,
      @JsonPropertyDescription("What is wrong and what to do, when something is.") String message,
      @JsonPropertyDescription("Why the stack counts as drifted: ParameterChanged, StackDeleted, Downgraded, ExecutionRoleBoundaryRemoved, ContestedByAnotherWriter (repaired again and again and changed back each time: the operator stopped writing it).") String driftReason,
      @JsonPropertyDescription("The stack's TrustedAccounts parameter: accounts that may deploy here.") List<String> trustedAccounts,
      @JsonPropertyDescription("The stack's TrustedAccountsForLookup parameter.") List<String> trustedAccountsForLookup,
      @JsonPropertyDescription("The stack's CloudFormationExecutionPolicies parameter: the execution role's managed policies (none: AdministratorAccess).") List<String> executionPolicies,
      @JsonPropertyDescription("The enforcement probes of this region's CDK roles.") Enforcement enforcement,
      @JsonPropertyDescription("When the operator last read the bootstrap stack itself (DescribeStacks); between such reads a check reads the CDK roles, and the stack is read at once when they changed.") String stackRead,
      @JsonPropertyDescription("A digest of the CDK roles' trust and policies as they were when the stack was last read: a check that finds them the same, and each role carrying the boundary, does not read the stack again (also after a restart of the operator).") String rolesRead) {

    public RegionBootstrap(String region, BootstrapState state, String stackStatus, Integer version,
        String boundaryParameter, Boolean applyToAllRoles, String executionRoleBoundary,
        String lastChecked, String message) {
      this(region, state, stackStatus, version, boundaryParameter, applyToAllRoles,
          executionRoleBoundary, lastChecked, message, null, null, null, null, null, null, null);
    }

    public RegionBootstrap(String region, BootstrapState state, String stackStatus, Integer version,
        String boundaryParameter, Boolean applyToAllRoles, String executionRoleBoundary, String lastChecked,
        String message, String driftReason, List<String> trustedAccounts, List<String> trustedAccountsForLookup,
        List<String> executionPolicies, Enforcement enforcement) {
      this(region, state, stackStatus, version, boundaryParameter, applyToAllRoles, executionRoleBoundary,
          lastChecked, message, driftReason, trustedAccounts, trustedAccountsForLookup, executionPolicies, enforcement,
          null, null);
    }

    public RegionBootstrap withEnforcement(Enforcement e) {
      return new RegionBootstrap(region, state, stackStatus, version, boundaryParameter, applyToAllRoles,
          executionRoleBoundary, lastChecked, message, driftReason, trustedAccounts, trustedAccountsForLookup,
          executionPolicies, e, stackRead, rolesRead);
    }

    /** What was last known of the pair, in another state and with another message (not read now). */
    public RegionBootstrap as(BootstrapState newState, String newMessage) {
      return new RegionBootstrap(region, newState, stackStatus, version, boundaryParameter, applyToAllRoles,
          executionRoleBoundary, lastChecked, newMessage, null, trustedAccounts, trustedAccountsForLookup,
          executionPolicies, enforcement, stackRead, rolesRead);
    }

    /** This report, with the digest of its roles as the stack read found them. */
    public RegionBootstrap withRolesRead(String digest) {
      return new RegionBootstrap(region, state, stackStatus, version, boundaryParameter, applyToAllRoles,
          executionRoleBoundary, lastChecked, message, driftReason, trustedAccounts, trustedAccountsForLookup,
          executionPolicies, enforcement, stackRead, digest);
    }

    /** This report, checked again at {@code checked} without reading the stack: the roles carry {@code execBoundary}. */
    public RegionBootstrap rechecked(String checked, String execBoundary) {
      return new RegionBootstrap(region, state, stackStatus, version, boundaryParameter, applyToAllRoles,
          execBoundary, checked, message, driftReason, trustedAccounts, trustedAccountsForLookup, executionPolicies,
          enforcement, stackRead, rolesRead);
    }
  }

  public enum State {
    /** The boundary is deployed at the stage's current revision. */
    CURRENT,
    /**
     * The account is suspended or closing (Organizations status SUSPENDED or PENDING_CLOSURE):
     * StackSets skip it, the operator reads and writes nothing there, and it does not count toward
     * the stage. Its policy stays as it was.
     */
    SUSPENDED,
    /** A deployment is pending or running, or the deployed revision is older. */
    OUTDATED,
    /** The deployed policy differs from what was deployed (edited or deleted out of band). */
    DRIFTED,
    /** No stack instance exists for the account. */
    MISSING,
    /** The last deployment to this account failed. */
    FAILED,
    /** Another Stage claims the account; nothing is deployed until the manifests are fixed. */
    CONFLICT
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Boundary(
      @JsonPropertyDescription("CURRENT, OUTDATED, DRIFTED, MISSING, FAILED or CONFLICT.") State state,
      @JsonPropertyDescription("The stage revision deployed, when known.") String revision,
      @JsonPropertyDescription("The StackSet instance status (CURRENT, OUTDATED, INOPERABLE) and detailed status.") String stackInstanceStatus,
      @JsonPropertyDescription("What is wrong and what to do, when something is.") String message,
      @JsonPropertyDescription("When the policy in the account was last compared with the rendered document.") String lastChecked,
      @JsonPropertyDescription("Why the account counts as drifted: PolicyModified, PolicyDeleted, StackSetDrifted, JoinedAfterRollout, LeftTargets, ContestedByAnotherWriter.") String driftReason,
      @JsonPropertyDescription("True when the policy was made outside the stage's StackSet and taken over (spec.boundary.adoptExisting): the operator keeps its document directly.") Boolean adopted) {

    public Boundary(State state, String revision, String stackInstanceStatus, String message) {
      this(state, revision, stackInstanceStatus, message, null, null, null);
    }

    public Boundary(State state, String revision, String stackInstanceStatus, String message, String lastChecked,
        String driftReason) {
      this(state, revision, stackInstanceStatus, message, lastChecked, driftReason, null);
    }

    public boolean takenOver() {
      return Boolean.TRUE.equals(adopted);
    }

    /** The same, marked as taken over, with {@code note} before what the check said. */
    public Boundary asAdopted(String note) {
      return new Boundary(state, revision, "not in the StackSet (adopted)",
          message == null ? note : note + "; " + message, lastChecked, driftReason, true);
    }
  }
}
