package io.stageboundary.testenv;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.PolicyType;

/**
 * Seeds the emulator with the organisation every test and the demo use:
 *
 * <pre>
 * Root r-sbo1 (management 123456789012)
 * ├── platform   ou-sbo1-platform1   platform-tooling 111111111111 (delegated admin, operator role)
 * ├── workloads  ou-sbo1-workload
 * │   ├── dev    ou-sbo1-dev00001    dev-payments, dev-search, dev-data
 * │   ├── beta   ou-sbo1-beta0001    beta-payments, beta-search
 * │   └── prod   ou-sbo1-prod0001    prod-payments, prod-search
 * │       └── prod-eu ou-sbo1-prodeu01  prod-eu-payments, prod-eu-search
 * └── sandbox    ou-sbo1-sandbox1    sandbox-experiments (no stage targets it)
 * </pre>
 *
 * Every member account has the operator's member role and the StackSet execution role; service
 * control policies are enabled and the organisation's delegation policy (docs/iam) makes the
 * tooling account a delegated administrator for them. The call log is cleared afterwards so tests
 * count only their own writes.
 */
public final class OrganizationSeeder {
  public static final String MANAGEMENT_ACCOUNT = "123456789012";
  public static final String TOOLING_ACCOUNT = "111111111111";
  public static final String ROOT_ID = "r-sbo1";
  public static final String MEMBER_ROLE = "stage-boundary-member";
  public static final String OPERATOR_ROLE = "stage-boundary-operator";
  public static final String STACKSET_EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole";
  static final String STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com";
  /** Trusted access for Account Management: the operator reads member accounts' opt-in regions. */
  static final String ACCOUNT_PRINCIPAL = "account.amazonaws.com";

  private static final String[][] OUS = {
      // name, id, parent name (null = root)
      {"platform", "ou-sbo1-platform1", null},
      {"workloads", "ou-sbo1-workload", null},
      {"dev", "ou-sbo1-dev00001", "workloads"},
      {"beta", "ou-sbo1-beta0001", "workloads"},
      {"prod", "ou-sbo1-prod0001", "workloads"},
      {"prod-eu", "ou-sbo1-prodeu01", "prod"},
      {"sandbox", "ou-sbo1-sandbox1", null},
  };
  private static final String[][] ACCOUNTS = {
      {TOOLING_ACCOUNT, "platform-tooling", "platform"},
      {"200000000001", "dev-payments", "dev"},
      {"200000000002", "dev-search", "dev"},
      {"200000000003", "dev-data", "dev"},
      {"300000000001", "beta-payments", "beta"},
      {"300000000002", "beta-search", "beta"},
      {"400000000001", "prod-payments", "prod"},
      {"400000000002", "prod-search", "prod"},
      {"400000000003", "prod-eu-payments", "prod-eu"},
      {"400000000004", "prod-eu-search", "prod-eu"},
      {"900000000001", "sandbox-experiments", "sandbox"},
  };

  private OrganizationSeeder() {}

  /** An OU to seed; {@code parent} is the name of another OU, or null for the root. */
  public record Ou(String name, String id, String parent) {}

  /**
   * @param iamDocs the project's documented IAM policies (docs/iam): the seeded roles carry them,
   *     so the demo organisation is set up the way the docs tell users to set up theirs
   */
  public static SeededOrganization seed(EmulatorAdmin admin, AwsClients aws, java.nio.file.Path iamDocs) {
    List<Ou> ous = new ArrayList<>();
    for (String[] ou : OUS) {
      ous.add(new Ou(ou[0], ou[1], ou[2]));
    }
    List<SeededOrganization.Account> accounts = new ArrayList<>();
    for (String[] a : ACCOUNTS) {
      accounts.add(new SeededOrganization.Account(a[0], a[1], a[2]));
    }
    return seed(admin, aws, iamDocs, ous, accounts);
  }

  /**
   * Seeds any organisation under the same root, management account, delegated administrator and
   * roles as the standard one (the benchmark seeds hundreds of accounts in nested OUs this way).
   * {@code accounts} must include the delegated administrator {@link #TOOLING_ACCOUNT}.
   */
  public static SeededOrganization seed(EmulatorAdmin admin, AwsClients aws, java.nio.file.Path iamDocs,
      List<Ou> organizationalUnits, List<SeededOrganization.Account> members) {
    Map<String, String> ouIds = new LinkedHashMap<>();
    List<Map<String, Object>> ous = new ArrayList<>();
    for (Ou ou : organizationalUnits) {
      ouIds.put(ou.name(), ou.id());
      ous.add(Map.of("id", ou.id(), "name", ou.name(), "parentId",
          ou.parent() == null ? ROOT_ID : ouIds.get(ou.parent())));
    }
    List<Map<String, Object>> accounts = new ArrayList<>();
    List<SeededOrganization.Account> seeded = List.copyOf(members);
    for (SeededOrganization.Account a : seeded) {
      accounts.add(Map.of("id", a.id(), "name", a.name(), "email", a.name() + "@example.com",
          "parentId", ouIds.get(a.ouName())));
    }
    admin.seedOrganization(Map.of(
        "managementAccountId", MANAGEMENT_ACCOUNT,
        "rootId", ROOT_ID,
        "organizationId", "o-sbo1example",
        "region", AwsEmulator.REGION,
        "organizationalUnits", ous,
        "accounts", accounts,
        "trustedServices", List.of(STACKSETS_PRINCIPAL, ACCOUNT_PRINCIPAL),
        "delegatedAdministrators", List.of(
            Map.of("accountId", TOOLING_ACCOUNT, "servicePrincipal", STACKSETS_PRINCIPAL),
            Map.of("accountId", TOOLING_ACCOUNT, "servicePrincipal", ACCOUNT_PRINCIPAL))));

    String trustBoth = trust("arn:aws:iam::" + MANAGEMENT_ACCOUNT + ":root",
        "arn:aws:iam::" + TOOLING_ACCOUNT + ":root");
    for (SeededOrganization.Account a : seeded) {
      try (IamClient iam = aws.inAccount(a.id()).iam()) {
        iam.createRole(r -> r.roleName(MEMBER_ROLE).assumeRolePolicyDocument(trustBoth)
            .description("Assumed by stage-boundary-operator to bootstrap and verify this account"));
        iam.putRolePolicy(r -> r.roleName(MEMBER_ROLE).policyName("stage-boundary-member")
            .policyDocument(read(iamDocs.resolve("member-role-policy.json"))));
        iam.createRole(r -> r.roleName(STACKSET_EXECUTION_ROLE).assumeRolePolicyDocument(trustBoth));
      }
    }
    try (IamClient iam = aws.inAccount(TOOLING_ACCOUNT).iam()) {
      // trusted by the tooling account (where the operator's own identity lives in a cluster) and
      // by the management account, whose plain credentials are the operator's identity in the tests
      // and the demo: the emulator lets AssumeRole through only as a trust policy allows, as STS does
      iam.createRole(r -> r.roleName(OPERATOR_ROLE).assumeRolePolicyDocument(
          trust("arn:aws:iam::" + TOOLING_ACCOUNT + ":root", "arn:aws:iam::" + MANAGEMENT_ACCOUNT + ":root")));
      iam.putRolePolicy(r -> r.roleName(OPERATOR_ROLE).policyName("stage-boundary-operator")
          .policyDocument(read(iamDocs.resolve("operator-policy.json"))));
    }
    // SCPs on, and the tooling account a delegated administrator for them, as docs/iam tells users
    try (OrganizationsClient orgs = aws.organizations()) {
      orgs.enablePolicyType(r -> r.rootId(ROOT_ID).policyType(PolicyType.SERVICE_CONTROL_POLICY));
      orgs.putResourcePolicy(r -> r.content(read(iamDocs.resolve("delegation-policy.json"))));
    }
    admin.clearCalls();
    return new SeededOrganization(MANAGEMENT_ACCOUNT, ROOT_ID, TOOLING_ACCOUNT,
        "arn:aws:iam::" + TOOLING_ACCOUNT + ":role/" + OPERATOR_ROLE, MEMBER_ROLE,
        Map.copyOf(ouIds), List.copyOf(seeded));
  }

  private static String read(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readString(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the documented IAM policy " + file, e);
    }
  }

  private static String trust(String... principals) {
    return """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[%s]},\
        "Action":"sts:AssumeRole"}]}""".formatted(
        String.join(",", java.util.Arrays.stream(principals).map(p -> "\"" + p + "\"").toList()));
  }
}
