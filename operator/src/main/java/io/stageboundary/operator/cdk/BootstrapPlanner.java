package io.stageboundary.operator.cdk;

import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.aws.BootstrapStacks.StackView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code cdk bootstrap --custom-permissions-boundary NAME} would do to one bootstrap stack,
 * decided without calling AWS: keep the previous template and parameters and set the boundary
 * ones; upgrade an old stack with the pinned official template; never downgrade a newer one; never
 * overwrite another BootstrapVariant; create a missing stack only when asked.
 */
public final class BootstrapPlanner {
  public static final String BOUNDARY_PARAMETER = "InputPermissionsBoundary";
  public static final String ALL_ROLES_PARAMETER = "ApplyPermissionsBoundaryToAllRoles";
  public static final String VARIANT_PARAMETER = "BootstrapVariant";
  public static final String QUALIFIER_PARAMETER = "Qualifier";
  public static final String TRUSTED_PARAMETER = "TrustedAccounts";
  public static final String TRUSTED_FOR_LOOKUP_PARAMETER = "TrustedAccountsForLookup";
  public static final String EXECUTION_POLICIES_PARAMETER = "CloudFormationExecutionPolicies";
  /** The template's default Qualifier, which a stack bootstrapped without --qualifier has. */
  public static final String DEFAULT_QUALIFIER = "hnb659fds";

  private BootstrapPlanner() {}

  /**
   * What the stage wants of every bootstrap stack.
   *
   * @param executionPolicies CloudFormationExecutionPolicies, or null to keep each stack's value
   * @param trustedAccounts TrustedAccounts, or null to keep each stack's value
   * @param trustedAccountsForLookup TrustedAccountsForLookup, or null to keep each stack's value
   */
  public record Want(String policyName, boolean applyToAllRoles, String qualifier, String stackName,
      int minimumVersion, boolean createIfMissing, List<String> executionPolicies, List<String> trustedAccounts,
      List<String> trustedAccountsForLookup) {

    /** The same, creating the stack when it is missing: the whole profile goes with it, in one write. */
    public Want withCreateIfMissing(boolean create) {
      return new Want(policyName, applyToAllRoles, qualifier, stackName, minimumVersion, create, executionPolicies,
          trustedAccounts, trustedAccountsForLookup);
    }

    /** The same, for one account: ${AWS::AccountId} in an execution policy ARN is that account. */
    public Want in(String accountId) {
      return executionPolicies == null ? this : new Want(policyName, applyToAllRoles, qualifier, stackName,
          minimumVersion, createIfMissing, executionPolicies.stream().map(p -> p.replace("${AWS::AccountId}", accountId))
          .toList(), trustedAccounts, trustedAccountsForLookup);
    }

    /** The profile parameters the stage sets (what cdk bootstrap --trust, --trust-for-lookup and
     *  --cloudformation-execution-policies send: comma-separated); unset ones are not here. */
    public Map<String, String> profile() {
      Map<String, String> p = new LinkedHashMap<>();
      if (trustedAccounts != null) {
        p.put(TRUSTED_PARAMETER, String.join(",", trustedAccounts));
      }
      if (trustedAccountsForLookup != null) {
        p.put(TRUSTED_FOR_LOOKUP_PARAMETER, String.join(",", trustedAccountsForLookup));
      }
      if (executionPolicies != null) {
        p.put(EXECUTION_POLICIES_PARAMETER, String.join(",", executionPolicies));
      }
      return p;
    }

    /** The first profile parameter {@code parameters} does not hold as the stage sets it (order aside). */
    public Optional<String> profileDifference(Map<String, String> parameters) {
      return profile().entrySet().stream().filter(e -> !sameMembers(split(e.getValue()), split(parameters.get(e.getKey()))))
          .map(Map.Entry::getKey).findFirst();
    }
  }

  /** The same accounts or policies, whatever the order: how a profile list is compared. */
  public static boolean sameMembers(List<String> a, List<String> b) {
    return new java.util.TreeSet<>(a).equals(new java.util.TreeSet<>(b));
  }

  /** A CloudFormation comma-delimited list parameter as a list (empty for none). */
  public static List<String> split(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return java.util.Arrays.stream(value.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  public sealed interface Decision {}

  /** Nothing to write: report this state. */
  public record Report(BootstrapState state, String message) implements Decision {}

  /** Parameters are as wanted: check the roles actually carry the boundary. */
  public record Verify() implements Decision {}

  /** Update the stack; an empty template means the previous one. */
  public record Update(Optional<String> template, Map<String, String> parameters, String why)
      implements Decision {}

  public record Create(String template, Map<String, String> parameters) implements Decision {}

  public static Decision decide(Want want, Optional<StackView> stack, Optional<Integer> version,
      BootstrapTemplate pinned) {
    if (stack.isEmpty()) {
      if (!want.createIfMissing()) {
        return new Report(BootstrapState.NOT_BOOTSTRAPPED, "no bootstrap stack " + want.stackName()
            + ": run cdk bootstrap, or set spec.bootstrap.createIfMissing to let the operator create it");
      }
      return new Create(pinned.body(), createParameters(want));
    }
    StackView s = stack.get();
    String status = s.status();
    if (status.endsWith("_IN_PROGRESS")) {
      return new Report(BootstrapState.UPDATING, "stack is " + status);
    }
    if (Set.of("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED",
        "UPDATE_ROLLBACK_FAILED", "DELETE_COMPLETE", "IMPORT_ROLLBACK_FAILED").contains(status)) {
      return new Report(BootstrapState.FAILED, "stack is " + status
          + (s.statusReason() == null ? "" : " (" + s.statusReason() + ")")
          + ": it cannot be updated; fix or delete it, then the operator bootstraps it again");
    }
    String variant = s.parameters().get(VARIANT_PARAMETER);
    if (variant != null && !variant.equals(BootstrapTemplate.DEFAULT_VARIANT)) {
      return new Report(BootstrapState.FOREIGN, "BootstrapVariant is '" + variant + "', not '"
          + BootstrapTemplate.DEFAULT_VARIANT + "': the operator never overwrites another variant; "
          + "set its boundary yourself or re-bootstrap with the default template");
    }
    String qualifier = s.parameters().getOrDefault(QUALIFIER_PARAMETER, DEFAULT_QUALIFIER);
    if (!qualifier.equals(want.qualifier())) {
      // its roles are cdk-<its qualifier>-*: setting this stage's boundary on it would bound
      // another bootstrap's roles, and the stage's own roles would never get it
      return new Report(BootstrapState.FOREIGN, "the bootstrap stack " + want.stackName() + " has Qualifier '"
          + qualifier + "', not this stage's '" + want.qualifier() + "': it belongs to another bootstrap and is "
          + "left alone; set spec.bootstrap.qualifier to '" + qualifier + "', or spec.bootstrap.stackName to the "
          + "stack bootstrapped with qualifier '" + want.qualifier() + "'");
    }
    boolean hasBoundaryParameters = s.parameters().containsKey(BOUNDARY_PARAMETER)
        && (!want.applyToAllRoles() || s.parameters().containsKey(ALL_ROLES_PARAMETER));
    int current = version.orElse(0);
    boolean old = current < want.minimumVersion() || !hasBoundaryParameters;
    if (old && current > pinned.version()) {
      return new Report(BootstrapState.FAILED, "bootstrap version " + current
          + " lacks the boundary parameters but is newer than the operator's template ("
          + pinned.version() + "); it is not downgraded");
    }
    if (old) {
      return new Update(Optional.of(pinned.body()), updateParameters(want, s.parameters(), pinned.parameters()),
          "upgrading bootstrap version " + (current == 0 ? "unknown" : current) + " to " + pinned.version());
    }
    boolean boundaryAsWanted = want.policyName().equals(s.parameters().get(BOUNDARY_PARAMETER));
    boolean allRolesAsWanted = !s.parameters().containsKey(ALL_ROLES_PARAMETER)
        ? !want.applyToAllRoles()
        : Boolean.parseBoolean(s.parameters().get(ALL_ROLES_PARAMETER)) == want.applyToAllRoles();
    Optional<String> profile = want.profileDifference(s.parameters());
    if (boundaryAsWanted && allRolesAsWanted && profile.isEmpty()) {
      return new Verify();
    }
    return new Update(Optional.empty(), updateParameters(want, s.parameters(), s.parameters().keySet()),
        boundaryAsWanted && allRolesAsWanted ? "setting " + profile.get() : "setting the boundary parameters");
  }

  /** What cdk bootstrap sends for a new environment, plus the boundary. */
  static Map<String, String> createParameters(Want want) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(TRUSTED_PARAMETER, "");
    p.put(TRUSTED_FOR_LOOKUP_PARAMETER, "");
    p.put(EXECUTION_POLICIES_PARAMETER, "");
    p.putAll(want.profile());
    p.put("FileAssetsBucketKmsKeyId", "AWS_MANAGED_KEY");
    p.put("PublicAccessBlockConfiguration", "true");
    if (!want.qualifier().equals(DEFAULT_QUALIFIER)) {
      p.put(QUALIFIER_PARAMETER, want.qualifier());
    }
    p.put(BOUNDARY_PARAMETER, want.policyName());
    if (want.applyToAllRoles()) {
      p.put(ALL_ROLES_PARAMETER, "true");
    }
    return p;
  }

  /**
   * Every parameter the (new) template declares: the boundary ones and the profile the stage sets,
   * the rest kept as they are (UsePreviousValue, a null value) when the stack has them, else left
   * to the default.
   */
  public static Map<String, String> updateParameters(Want want, Map<String, String> current, Set<String> declared) {
    Map<String, String> p = new LinkedHashMap<>();
    Map<String, String> profile = want.profile();
    for (String key : declared) {
      if (key.equals(BOUNDARY_PARAMETER)) {
        p.put(key, want.policyName());
      } else if (key.equals(ALL_ROLES_PARAMETER)) {
        p.put(key, String.valueOf(want.applyToAllRoles()));
      } else if (profile.containsKey(key)) {
        p.put(key, profile.get(key));
      } else if (current.containsKey(key)) {
        p.put(key, null);
      }
    }
    return p;
  }

  /** Parameters that clear the boundary again (deletionPolicy Delete), everything else kept. */
  public static Map<String, String> clearingParameters(Map<String, String> current) {
    Map<String, String> p = new LinkedHashMap<>();
    for (String key : current.keySet()) {
      if (key.equals(BOUNDARY_PARAMETER)) {
        p.put(key, "");
      } else if (key.equals(ALL_ROLES_PARAMETER)) {
        p.put(key, "false");
      } else {
        p.put(key, null);
      }
    }
    return p;
  }
}
