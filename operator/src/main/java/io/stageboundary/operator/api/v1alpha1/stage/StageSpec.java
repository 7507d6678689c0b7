package io.stageboundary.operator.api.v1alpha1.stage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import io.stageboundary.operator.api.v1alpha1.organization.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.organizationRef.name == oldSelf.organizationRef.name",
    message = "organizationRef is immutable: create a new Stage to move to another organisation")
public record StageSpec(
    @Required
    @JsonPropertyDescription("The AwsOrganization whose accounts this stage governs.")
    OrganizationRef organizationRef,

    @Required
    @JsonPropertyDescription("The stage's permissions boundary: its IAM policy name and the organisation's rules for this stage. The operator always adds the guard statements that stop principals from escaping the boundary.")
    Boundary boundary,

    @Required
    @JsonPropertyDescription("The accounts the stage covers: OUs (recursively) and individual accounts, minus exclusions.")
    Targets targets,

    @JsonPropertyDescription("How a change rolls out across accounts.")
    Rollout rollout,

    @JsonPropertyDescription("CDK bootstrap: once an account holds the boundary, the operator updates its CDK bootstrap stack in every target region so the CloudFormation execution role (and optionally every bootstrap role) carries the boundary, as cdk bootstrap --custom-permissions-boundary would.")
    Bootstrap bootstrap,

    @Default("1h")
    @Pattern("^([0-9]+(ms|s|m|h))+$")
    @JsonPropertyDescription("How often every account is checked against what was deployed (boundary policy document, bootstrap stack parameters, the execution role's boundary), and StackSet drift detection runs, e.g. 1h or 30m.")
    String driftCheckInterval,

    @Default("Report")
    @JsonPropertyDescription("Report (default): drift is reported in status, events and metrics and nothing is changed. Reconcile: drift is repaired: an edited or deleted policy is restored, a cleared bootstrap parameter or removed role boundary is set again, and accounts that join or leave the targeted OUs are added or released.")
    DriftRemediation driftRemediation,

    @Default("Retain")
    @JsonPropertyDescription("What happens in AWS when the Stage is deleted. Retain (default) leaves everything in place; Delete removes the stack instances and then the StackSet.")
    DeletionPolicy deletionPolicy,

    @Default("false")
    @JsonPropertyDescription("When true the operator makes no AWS writes for this stage and only reports.")
    Boolean suspend,

    @JsonPropertyDescription("Proof that the boundary works: in every account, IAM's own evaluation (SimulatePrincipalPolicy) of the CDK execution role is checked against probes derived from the guards and from each Deny statement, plus the probes listed here.")
    Verification verification,

    @JsonPropertyDescription("An organisation-level guardrail: a service control policy (SCP) named stage-boundary-<stage>, attached to every targeted OU and account, that denies every principal but the operator's member role, the StackSet execution roles and exemptPrincipals from changing or deleting the boundary policy and from removing or replacing the boundary on the CDK bootstrap roles. Needs the management account or a delegated administrator for Organizations policies (see the AwsOrganization's status.policyManagement).")
    Guardrail guardrail,

    @JsonPropertyDescription("How long BoundaryExceptions of this stage may last.")
    ExceptionLimits exceptions) {

  /** Before spec.guardrail existed. */
  public StageSpec(OrganizationRef organizationRef, Boundary boundary, Targets targets, Rollout rollout,
      Bootstrap bootstrap, String driftCheckInterval, DriftRemediation driftRemediation,
      DeletionPolicy deletionPolicy, Boolean suspend, Verification verification) {
    this(organizationRef, boundary, targets, rollout, bootstrap, driftCheckInterval, driftRemediation,
        deletionPolicy, suspend, verification, null, null);
  }

  /** The longest a BoundaryException of this stage may last, counted from its creation. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ExceptionLimits(
      @Default("720h")
      @Pattern("^([0-9]+(ms|s|m|h))+$")
      @JsonPropertyDescription("The longest an exception may last, from its creation to its expiresAt, e.g. 168h for a week (default 720h, 30 days). A longer one is Refused and lifts nothing.")
      String maxDuration,

      @Default("24h")
      @Pattern("^([0-9]+(ms|s|m|h))+$")
      @JsonPropertyDescription("The longest a break-glass exception may last (default 24h).")
      String breakGlassMaxDuration) {

    public static final Duration DEFAULT_MAX = Duration.ofDays(30);
    public static final Duration DEFAULT_BREAK_GLASS_MAX = Duration.ofHours(24);

    public Duration max(boolean breakGlass) {
      String text = breakGlass ? breakGlassMaxDuration : maxDuration;
      return text == null ? (breakGlass ? DEFAULT_BREAK_GLASS_MAX : DEFAULT_MAX)
          : Durations.parse(text);
    }
  }

  public ExceptionLimits exceptionsOrDefault() {
    return exceptions == null ? new ExceptionLimits(null, null) : exceptions;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Guardrail(
      @Default("false")
      @JsonPropertyDescription("Keep the stage's SCP in the organisation (off by default). Turning it off detaches the SCP; it is deleted only under deletionPolicy: Delete.")
      Boolean enabled,

      @Size(max = 20)
      @JsonPropertyDescription("More principals the SCP does not apply to, as ARN patterns, e.g. break-glass roles: arn:aws:iam::*:role/break-glass or arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_BreakGlass_*.")
      List<@Pattern(EXEMPT_PRINCIPAL) @Size(max = 512) String> exemptPrincipals) {

    /** An IAM role or user ARN pattern, any account or one. */
    public static final String EXEMPT_PRINCIPAL = "^arn:(aws|aws-cn|aws-us-gov|\\*):iam::(\\*|[0-9]{12}):(role|user)/[\\w+=,.@/*?-]{1,400}$";

    public boolean enabledOrDefault() {
      return Boolean.TRUE.equals(enabled);
    }

    public List<String> exemptPrincipalsOrDefault() {
      return exemptPrincipals == null ? List.of() : exemptPrincipals;
    }
  }

  public Guardrail guardrailOrDefault() {
    return guardrail == null ? new Guardrail(null, null) : guardrail;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Verification(
      @Size(max = 50)
      @JsonPropertyDescription("Requests IAM must decide as stated for the CDK execution role, e.g. {action: s3:GetObject, expect: Allowed} or {action: config:PutConfigRule, expect: Denied}.")
      List<Probe> probes,

      @Default("24h")
      @Pattern("^([0-9]+(ms|s|m|h))+$")
      @JsonPropertyDescription("How long an account's proof stands while nothing it rests on changes (default 24h). IAM is asked again at once when the boundary revision, the probes, the guardrail, an exception or a CDK role's boundary change, or when a probe failed; otherwise the hourly check reads the policy and the roles, and the proof is asked again only after this long.")
      String reproveAfter) {

    public Verification(List<Probe> probes) {
      this(probes, null);
    }
  }

  /** How long a proof stands while nothing it rests on changes (spec.verification.reproveAfter). */
  public Duration reproveAfterOrDefault() {
    return verification == null || verification.reproveAfter() == null ? Duration.ofHours(24)
        : Durations.parse(verification.reproveAfter());
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Probe(
      @Required @Pattern(ACTION) @Size(max = 128)
      @JsonPropertyDescription("A concrete IAM action, e.g. s3:GetObject.")
      String action,

      @Pattern(RESOURCE) @Size(max = 2048)
      @JsonPropertyDescription("The resource ARN, or * (the default).")
      String resource,

      @Required
      @JsonPropertyDescription("Allowed or Denied (explicitly or implicitly).")
      Expectation expect) {

    public enum Expectation { Allowed, Denied }
  }

  /** An IAM action: service prefix, a colon, an action name with optional * and ? wildcards. */
  public static final String ACTION = "^(\\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$";
  /** * or an ARN. */
  public static final String RESOURCE = "^(\\*|arn:.+)$";

  public enum DeletionPolicy { Retain, Delete }

  public enum DriftRemediation { Report, Reconcile }

  public Duration driftCheckIntervalOrDefault() {
    return driftCheckInterval == null ? Duration.ofHours(1)
        : Durations.parse(driftCheckInterval);
  }

  public boolean remediatesDrift() {
    return driftRemediation == DriftRemediation.Reconcile;
  }

  public Bootstrap bootstrapOrDefault() {
    return bootstrap == null ? new Bootstrap(null, null, null, null, null, null, null, null, null) : bootstrap;
  }

  public Rollout rolloutOrDefault() {
    return rollout == null ? new Rollout(null, null, null) : rollout;
  }

  public DeletionPolicy deletionPolicyOrDefault() {
    return deletionPolicy == null ? DeletionPolicy.Retain : deletionPolicy;
  }

  public boolean suspended() {
    return Boolean.TRUE.equals(suspend);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record OrganizationRef(
      @Required @Size(min = 1, max = 253) @JsonPropertyDescription("Name of the AwsOrganization.") String name) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.policyName == oldSelf.policyName",
      message = "boundary.policyName is immutable: IAM cannot rename a policy that is in use as a boundary; create a new Stage instead")
  public record Boundary(
      @Required
      @Pattern(ApiGroup.IAM_NAME)
      @JsonPropertyDescription("Name of the customer managed policy in each account, e.g. developer-policy-prod. This is the name apps put in their CDK context.")
      String policyName,

      @Size(max = 50)
      @JsonPropertyDescription("The organisation's rules for this stage, added after the guard statements, e.g. Deny config:* everywhere, more denies in prod.")
      List<Statement> statements,

      @Size(min = 1, max = 100)
      @JsonPropertyDescription("When set, the boundary allows only these actions (an allow-list) instead of everything not denied.")
      List<@Pattern(ACTION) @Size(max = 128) String> allowedActions,

      @Size(max = 10)
      @JsonPropertyDescription("Shared rules (BoundaryRules objects) this boundary includes, after the guard statements and before its own, each at the revision its promotion allows this stage, e.g. [{name: org-baseline}].")
      List<Include> include,

      @JsonPropertyDescription("Take over policies of policyName that already exist in target accounts, made outside this stage's StackSet (by hand, as AWS's article has teams do, or by another stack): their document is replaced by the stage's rendered boundary and kept there by the operator directly, so the CDK bootstrap keeps naming an existing policy throughout. The operator never deletes them, not even under deletionPolicy Delete. Default false: such accounts are blocked with PolicyNameTaken.")
      Boolean adoptExisting) {

    public Boundary(String policyName, List<Statement> statements, List<String> allowedActions) {
      this(policyName, statements, allowedActions, null, null);
    }

    public Boundary(String policyName, List<Statement> statements, List<String> allowedActions, List<Include> include) {
      this(policyName, statements, allowedActions, include, null);
    }

    public boolean adoptsExisting() {
      return Boolean.TRUE.equals(adoptExisting);
    }

    public List<Include> includeOrEmpty() {
      return include == null ? List.of() : include;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Include(
      @Required @Size(min = 1, max = 253)
      @JsonPropertyDescription("Name of the BoundaryRules.")
      String name) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "has(self.actions) != has(self.notActions)", message = "a statement needs exactly one of actions or notActions")
  @ValidationRule(value = "has(self.resources) != has(self.notResources)", message = "a statement needs exactly one of resources or notResources")
  @ValidationRule(value = "!(self.sid in ['ExplicitAllowAll', 'AllowListedActions', 'DenyAccessIfRequiredPermBoundaryIsNotBeingApplied', 'DenyPermBoundaryIAMPolicyAlteration', 'DenyRemovalOfPermBoundaryFromAnyUserOrRole'])",
      message = "this sid is reserved for the operator's guard statements; choose another")
  public record Statement(
      @Required
      @Pattern("^[A-Za-z0-9]{1,100}$")
      @Size(max = 100)
      @JsonPropertyDescription("Statement id: letters and digits only, unique within the boundary (it names the rule in status and in IAM).")
      String sid,

      @Required
      @JsonPropertyDescription("Allow or Deny.")
      Effect effect,

      @Size(min = 1, max = 100)
      @JsonPropertyDescription("Actions, e.g. [\"config:*\"].")
      List<@Pattern(ACTION) @Size(max = 128) String> actions,

      @Size(min = 1, max = 100)
      @JsonPropertyDescription("Every action except these.")
      List<@Pattern(ACTION) @Size(max = 128) String> notActions,

      @Size(min = 1, max = 100)
      @JsonPropertyDescription("Resources, * or ARNs. ${AWS::AccountId} and ${AWS::Partition} are substituted per account.")
      List<@Pattern(RESOURCE) @Size(max = 2048) String> resources,

      @Size(min = 1, max = 100)
      @JsonPropertyDescription("Every resource except these.")
      List<@Pattern(RESOURCE) @Size(max = 2048) String> notResources,

      @Size(max = 20)
      @JsonPropertyDescription("IAM condition block: operator (e.g. StringEquals) to condition key to values.")
      Map<String, Map<String, List<@Size(max = 1024) String>>> conditions) {}

  public enum Effect { Allow, Deny }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "(has(self.organizationalUnits) ? size(self.organizationalUnits) : 0) + (has(self.accounts) ? size(self.accounts) : 0) > 0",
      message = "targets needs at least one organizational unit or account")
  public record Targets(
      @Size(max = 100)
      @JsonPropertyDescription("OUs whose accounts (at any depth) belong to the stage, e.g. ou-abcd-prod0001, or the root r-abcd.")
      List<@Pattern(ApiGroup.OU_OR_ROOT_ID) @Size(max = 68) String> organizationalUnits,

      @Size(max = 2000)
      @JsonPropertyDescription("Individual accounts that belong to the stage, in addition to the OUs.")
      List<@Pattern(ApiGroup.ACCOUNT_ID) @Size(max = 12) String> accounts,

      @Size(max = 2000)
      @JsonPropertyDescription("Accounts left out even though an OU above them is targeted.")
      List<@Pattern(ApiGroup.ACCOUNT_ID) @Size(max = 12) String> excludeAccounts,

      @Required
      @Size(min = 1, max = 30)
      @JsonPropertyDescription("Regions the stage's accounts use CDK in (bootstrap regions). IAM is global: the boundary policy itself is deployed once per account.")
      List<@Pattern(ApiGroup.REGION) @Size(max = 25) String> regions) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "!has(self.trustedAccounts) || size(self.trustedAccounts) == 0 || (has(self.executionPolicies) && size(self.executionPolicies) > 0)",
      message = "bootstrap.trustedAccounts needs bootstrap.executionPolicies: an account that may deploy here gets the execution role's permissions, so name them (cdk bootstrap refuses --trust without --cloudformation-execution-policies), e.g. arn:aws:iam::aws:policy/AdministratorAccess or a customer managed policy")
  public record Bootstrap(
      @Default("true")
      @JsonPropertyDescription("Re-bootstrap CDK in every account and target region. Off: only the boundary policy is deployed.")
      Boolean enabled,

      @Default("hnb659fds")
      @Pattern("^[a-z0-9]{1,10}$")
      @JsonPropertyDescription("The CDK bootstrap qualifier (cdk bootstrap --qualifier); hnb659fds unless the apps set another.")
      String qualifier,

      @Default("CDKToolkit")
      @Pattern("^[a-zA-Z][-a-zA-Z0-9]{0,127}$")
      @JsonPropertyDescription("Name of the bootstrap stack (cdk bootstrap --toolkit-stack-name).")
      String stackName,

      @Default("false")
      @JsonPropertyDescription("Put the boundary on every bootstrap role (file and image publishing, lookup, deploy), not only the CloudFormation execution role.")
      Boolean applyToAllRoles,

      @Default("30")
      @Min(1)
      @Max(1000)
      @JsonPropertyDescription("Bootstrap stacks older than this version are upgraded with the official template pinned in the operator; newer ones are never downgraded.")
      Integer minimumVersion,

      @Default("false")
      @JsonPropertyDescription("Bootstrap accounts that have no bootstrap stack yet. Off: such accounts are reported as not bootstrapped and left alone.")
      Boolean createIfMissing,

      @Size(max = 20)
      @JsonPropertyDescription("Managed policies the CloudFormation execution role gets (cdk bootstrap --cloudformation-execution-policies): AWS managed (arn:aws:iam::aws:policy/NAME) or customer managed, where ${AWS::AccountId} stands for each account (arn:aws:iam::${AWS::AccountId}:policy/NAME); a customer managed one must exist in every account, or that account is reported and left alone. Unset: each stack keeps its previous value (by default AdministratorAccess). The boundary caps whatever these allow.")
      List<@Pattern(EXECUTION_POLICY) @Size(max = 2048) String> executionPolicies,

      @Size(max = 100)
      @JsonPropertyDescription("Accounts that may deploy into the stage's accounts, e.g. a CDK Pipelines tools account (cdk bootstrap --trust). Needs executionPolicies. Unset: each stack keeps its previous value.")
      List<@Pattern(ApiGroup.ACCOUNT_ID) @Size(max = 12) String> trustedAccounts,

      @Size(max = 100)
      @JsonPropertyDescription("Accounts that may look up context values in the stage's accounts (cdk bootstrap --trust-for-lookup). Unset: each stack keeps its previous value.")
      List<@Pattern(ApiGroup.ACCOUNT_ID) @Size(max = 12) String> trustedAccountsForLookup,

      @Default("24h")
      @Pattern("^([0-9]+(ms|s|m|h))+$")
      @JsonPropertyDescription("How often a bootstrap stack that was current is read itself at rest (default 24h). Every driftCheckInterval the CDK roles are read (their boundaries, trust and policies), and the stack at once when they changed: a cleared boundary parameter, other trusted accounts or execution policies, a deleted stack all change the roles. What only the stack shows (its version: Downgraded) is found within this interval.")
      String stackCheckInterval) {

    public Bootstrap(Boolean enabled, String qualifier, String stackName, Boolean applyToAllRoles,
        Integer minimumVersion, Boolean createIfMissing, List<String> executionPolicies, List<String> trustedAccounts,
        List<String> trustedAccountsForLookup) {
      this(enabled, qualifier, stackName, applyToAllRoles, minimumVersion, createIfMissing, executionPolicies,
          trustedAccounts, trustedAccountsForLookup, null);
    }

    public Duration stackCheckIntervalOrDefault() {
      return stackCheckInterval == null ? Duration.ofHours(24)
          : Durations.parse(stackCheckInterval);
    }

    /** A managed policy ARN of this partition family: AWS managed, or customer managed in an account or in each. */
    public static final String EXECUTION_POLICY = "^arn:aws(-cn|-us-gov)?:iam::(aws|[0-9]{12}|\\$\\{AWS::AccountId\\}):policy/[\\w+=,.@/-]{1,512}$";

    public static final String DEFAULT_QUALIFIER = "hnb659fds";

    public boolean enabledOrDefault() {
      return enabled == null || enabled;
    }

    public String qualifierOrDefault() {
      return qualifier == null ? DEFAULT_QUALIFIER : qualifier;
    }

    public String stackNameOrDefault() {
      return stackName == null ? "CDKToolkit" : stackName;
    }

    public boolean applyToAllRolesOrDefault() {
      return Boolean.TRUE.equals(applyToAllRoles);
    }

    public int minimumVersionOrDefault() {
      return minimumVersion == null ? 30 : minimumVersion;
    }

    public boolean createIfMissingOrDefault() {
      return Boolean.TRUE.equals(createIfMissing);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Rollout(
      @Min(1) @Max(100) @Default("25")
      @JsonPropertyDescription("Percentage of accounts a StackSet operation works on at once.")
      Integer maxConcurrentPercentage,

      @Min(0) @Max(100) @Default("0")
      @JsonPropertyDescription("Percentage of accounts that may fail before an operation stops.")
      Integer failureTolerancePercentage,

      @Default("Parallel")
      @JsonPropertyDescription("Parallel or Sequential across regions.")
      RegionConcurrency regionConcurrency,

      @Default("Automatic")
      @JsonPropertyDescription("Automatic (default): a change is rolled out as soon as it is applied. Manual: the operator first computes what it would write (status.plan: the statements added, removed and changed, the accounts to add and release, the bootstrap stacks to update, the guardrail change) and writes nothing until the plan's id is approved with kubectl annotate stage NAME iam.stageboundary.io/approve=<id>. Drift repair of an approved state needs no new approval.")
      Approval approval) {

    public Rollout(Integer maxConcurrentPercentage, Integer failureTolerancePercentage,
        RegionConcurrency regionConcurrency) {
      this(maxConcurrentPercentage, failureTolerancePercentage, regionConcurrency, null);
    }

    public enum RegionConcurrency { Parallel, Sequential }

    public enum Approval { Automatic, Manual }

    public Approval approvalOrDefault() {
      return approval == null ? Approval.Automatic : approval;
    }

    public int maxConcurrentPercentageOrDefault() {
      return maxConcurrentPercentage == null ? 25 : maxConcurrentPercentage;
    }

    public int failureTolerancePercentageOrDefault() {
      return failureTolerancePercentage == null ? 0 : failureTolerancePercentage;
    }

    public RegionConcurrency regionConcurrencyOrDefault() {
      return regionConcurrency == null ? RegionConcurrency.Parallel : regionConcurrency;
    }
  }
}
