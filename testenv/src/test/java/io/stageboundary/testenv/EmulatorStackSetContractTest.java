package io.stageboundary.testenv;

import static io.stageboundary.testenv.StackSetTestSupport.await;
import static io.stageboundary.testenv.StackSetTestSupport.defaultDocument;
import static io.stageboundary.testenv.StackSetTestSupport.policyTemplate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AccountFilterType;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.OperationIdAlreadyExistsException;
import software.amazon.awssdk.services.cloudformation.model.OperationInProgressException;
import software.amazon.awssdk.services.cloudformation.model.PermissionModels;
import software.amazon.awssdk.services.cloudformation.model.StackInstanceSummary;
import software.amazon.awssdk.services.cloudformation.model.StackSetDriftStatus;
import software.amazon.awssdk.services.cloudformation.model.StackSetNotEmptyException;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperation;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationAction;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationStatus;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * The StackSet behaviour the emulator extension adds, each case mirroring AWS (see
 * emulator/sbo_emulator/stacksets.py for the API references).
 */
@PeersExtension.WithPeers
class EmulatorStackSetContractTest {
  private static final String ALLOW_ALL =
      "[{\"Sid\":\"ExplicitAllowAll\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]";
  private static final String DENY_CONFIG =
      "[{\"Sid\":\"DenyConfig\",\"Effect\":\"Deny\",\"Action\":\"config:*\",\"Resource\":\"*\"}]";
  private static final CallAs DELEGATED = CallAs.DELEGATED_ADMIN;

  private final AwsClients aws;
  private final SeededOrganization org;
  private final EmulatorAdmin admin;
  private CloudFormationClient cfn;
  private final List<String> names = new ArrayList<>();

  EmulatorStackSetContractTest(AwsClients aws, SeededOrganization org, EmulatorAdmin admin) {
    this.aws = aws;
    this.org = org;
    this.admin = admin;
  }

  @BeforeEach
  void fastOperations() {
    admin.setOperationTiming(0.2, 0);
    cfn = aws.assumeRole(org.operatorRoleArn()).cloudFormation();
  }

  @AfterEach
  void cleanUp() {
    admin.clearFaults();
    admin.clearInstanceFailures();
    cfn.close();
  }

  private String serviceManaged(String policyName, String statements, boolean autoDeploy) {
    String name = "ss-" + policyName;
    names.add(name);
    cfn.createStackSet(r -> r.stackSetName(name).callAs(DELEGATED)
        .permissionModel(PermissionModels.SERVICE_MANAGED)
        .autoDeployment(a -> a.enabled(autoDeploy).retainStacksOnAccountRemoval(false))
        .capabilities(Capability.CAPABILITY_NAMED_IAM)
        .templateBody(policyTemplate(policyName, statements)));
    return name;
  }

  private StackSetOperation deployTo(String stackSet, String ou) {
    String op = cfn.createStackInstances(r -> r.stackSetName(stackSet).callAs(DELEGATED)
        .deploymentTargets(t -> t.organizationalUnitIds(ou)).regions(AwsEmulator.REGION))
        .operationId();
    return await(cfn, stackSet, op, DELEGATED);
  }

  private String arn(String account, String policy) {
    return "arn:aws:iam::" + account + ":policy/" + policy;
  }

  private boolean policyExists(String account, String policy) {
    try (IamClient iam = aws.inAccount(account).iam()) {
      iam.getPolicy(r -> r.policyArn(arn(account, policy)));
      return true;
    } catch (NoSuchEntityException e) {
      return false;
    }
  }

  private List<String> prodAccounts() {
    List<String> all = new ArrayList<>(org.accountsIn("prod"));
    all.addAll(org.accountsIn("prod-eu"));
    return all;
  }

  @Test
  void ouTargetsRecurseCreateUpdateAndDeleteThePolicyInEveryMember() {
    String ss = serviceManaged("boundary-a", ALLOW_ALL, false);
    StackSetOperation created = deployTo(ss, org.ou("prod"));
    assertThat(created.status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);

    List<StackInstanceSummary> instances = cfn.listStackInstances(r -> r.stackSetName(ss)
        .callAs(DELEGATED)).summaries();
    assertThat(instances).extracting(StackInstanceSummary::account)
        .containsExactlyInAnyOrderElementsOf(prodAccounts())
        .doesNotContain(org.managementAccountId());
    assertThat(instances).allSatisfy(i -> {
      assertThat(i.statusAsString()).isEqualTo("CURRENT");
      assertThat(i.organizationalUnitId()).isEqualTo(org.ou("prod"));
    });
    for (String account : prodAccounts()) {
      try (IamClient iam = aws.inAccount(account).iam()) {
        assertThat(defaultDocument(iam, arn(account, "boundary-a"))).contains("ExplicitAllowAll");
      }
    }
    assertThat(policyExists(org.account("dev-payments"), "boundary-a")).isFalse();

    String update = cfn.updateStackSet(r -> r.stackSetName(ss).callAs(DELEGATED)
        .templateBody(policyTemplate("boundary-a", DENY_CONFIG))).operationId();
    assertThat(await(cfn, ss, update, DELEGATED).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);
    for (String account : prodAccounts()) {
      try (IamClient iam = aws.inAccount(account).iam()) {
        assertThat(iam.getPolicy(r -> r.policyArn(arn(account, "boundary-a"))).policy()
            .defaultVersionId()).isEqualTo("v2");
        assertThat(defaultDocument(iam, arn(account, "boundary-a"))).contains("DenyConfig")
            .doesNotContain("ExplicitAllowAll");
      }
    }

    String delete = cfn.deleteStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)
        .deploymentTargets(t -> t.organizationalUnitIds(org.ou("prod")))
        .regions(AwsEmulator.REGION).retainStacks(false)).operationId();
    assertThat(await(cfn, ss, delete, DELEGATED).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);
    for (String account : prodAccounts()) {
      assertThat(policyExists(account, "boundary-a")).as(account).isFalse();
    }
    cfn.deleteStackSet(r -> r.stackSetName(ss).callAs(DELEGATED));
  }

  @Test
  void instancesCreatedLaterUseTheCurrentTemplate() {
    String ss = serviceManaged("boundary-b", ALLOW_ALL, false);
    deployTo(ss, org.ou("dev"));
    await(cfn, ss, cfn.updateStackSet(r -> r.stackSetName(ss).callAs(DELEGATED)
        .templateBody(policyTemplate("boundary-b", DENY_CONFIG))).operationId(), DELEGATED);
    deployTo(ss, org.ou("beta"));
    String beta = org.accountsIn("beta").get(0);
    try (IamClient iam = aws.inAccount(beta).iam()) {
      assertThat(defaultDocument(iam, arn(beta, "boundary-b"))).contains("DenyConfig");
    }
  }

  /** A Deny statement one parameter can take out of the policy (Fn::If returning AWS::NoValue in the list). */
  private static String liftableTemplate(String policyName) {
    return """
        {"Parameters": {"LiftDenyConfig": {"Type": "String", "Default": "false", "AllowedValues": ["false", "true"]}},
         "Conditions": {"LiftedDenyConfig": {"Fn::Equals": [{"Ref": "LiftDenyConfig"}, "true"]}},
         "Resources": {"Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
          "ManagedPolicyName": "%s",
          "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Sid": "ExplicitAllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Fn::If": ["LiftedDenyConfig", {"Ref": "AWS::NoValue"},
              {"Sid": "DenyConfig", "Effect": "Deny", "Action": "config:*", "Resource": "*"}]}]}}}}}
        """.formatted(policyName);
  }

  /**
   * API_UpdateStackInstances, ParameterOverrides: an override applies to the addressed instances only,
   * survives UpdateStackSet, and a given list without the parameter sets it back to the stack set's
   * value; only parameters the template declares can be overridden. AWS::NoValue from Fn::If removes
   * the list element (pseudo-parameter-reference.html).
   */
  @Test
  void parameterOverridesApplyPerInstanceAndSurviveATemplateUpdate() {
    String ss = serviceManaged("boundary-o", ALLOW_ALL, false);
    await(cfn, ss, cfn.updateStackSet(r -> r.stackSetName(ss).callAs(DELEGATED)
        .templateBody(liftableTemplate("boundary-o"))).operationId(), DELEGATED);
    deployTo(ss, org.ou("dev"));
    List<String> dev = org.accountsIn("dev");
    String lifted = dev.get(0);
    String other = dev.get(1);
    String op = cfn.updateStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED).regions(AwsEmulator.REGION)
        .deploymentTargets(t -> t.organizationalUnitIds(org.ou("dev")).accounts(lifted)
            .accountFilterType(AccountFilterType.INTERSECTION))
        .parameterOverrides(p -> p.parameterKey("LiftDenyConfig").parameterValue("true"))).operationId();
    assertThat(await(cfn, ss, op, DELEGATED).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);
    try (IamClient iam = aws.inAccount(lifted).iam()) {
      assertThat(defaultDocument(iam, arn(lifted, "boundary-o"))).doesNotContain("DenyConfig").doesNotContain("null");
    }
    try (IamClient iam = aws.inAccount(other).iam()) {
      assertThat(defaultDocument(iam, arn(other, "boundary-o"))).contains("DenyConfig");
    }
    assertThat(cfn.describeStackInstance(r -> r.stackSetName(ss).callAs(DELEGATED).stackInstanceAccount(lifted)
        .stackInstanceRegion(AwsEmulator.REGION)).stackInstance().parameterOverrides())
        .singleElement().satisfies(p -> assertThat(p.parameterValue()).isEqualTo("true"));

    // a template update keeps the override
    await(cfn, ss, cfn.updateStackSet(r -> r.stackSetName(ss).callAs(DELEGATED)
        .templateBody(liftableTemplate("boundary-o").replace("config:*", "config:Put*"))).operationId(), DELEGATED);
    try (IamClient iam = aws.inAccount(lifted).iam()) {
      assertThat(defaultDocument(iam, arn(lifted, "boundary-o"))).doesNotContain("DenyConfig");
    }

    // unknown parameters are refused
    assertThatThrownBy(() -> cfn.updateStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)
        .regions(AwsEmulator.REGION).deploymentTargets(t -> t.organizationalUnitIds(org.ou("dev")).accounts(lifted)
            .accountFilterType(AccountFilterType.INTERSECTION))
        .parameterOverrides(p -> p.parameterKey("NoSuchParameter").parameterValue("x"))))
        .hasMessageContaining("NoSuchParameter");

    // an empty list sets every parameter back to the stack set's value
    String back = cfn.updateStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED).regions(AwsEmulator.REGION)
        .deploymentTargets(t -> t.organizationalUnitIds(org.ou("dev")).accounts(lifted)
            .accountFilterType(AccountFilterType.INTERSECTION))
        .parameterOverrides(List.of())).operationId();
    assertThat(await(cfn, ss, back, DELEGATED).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);
    try (IamClient iam = aws.inAccount(lifted).iam()) {
      assertThat(defaultDocument(iam, arn(lifted, "boundary-o"))).contains("DenyConfig");
    }
    assertThat(cfn.describeStackInstance(r -> r.stackSetName(ss).callAs(DELEGATED).stackInstanceAccount(lifted)
        .stackInstanceRegion(AwsEmulator.REGION)).stackInstance().parameterOverrides()).isEmpty();
  }

  @Test
  void deletingByOuTouchesOnlyThatOu() {
    String ss = serviceManaged("boundary-c", ALLOW_ALL, false);
    deployTo(ss, org.ou("dev"));
    deployTo(ss, org.ou("beta"));
    await(cfn, ss, cfn.deleteStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)
        .deploymentTargets(t -> t.organizationalUnitIds(org.ou("beta")))
        .regions(AwsEmulator.REGION).retainStacks(false)).operationId(), DELEGATED);
    List<String> left = cfn.listStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED))
        .summaries().stream().map(StackInstanceSummary::account).toList();
    assertThat(left).containsExactlyInAnyOrderElementsOf(org.accountsIn("dev"));
    assertThatThrownBy(() -> cfn.deleteStackSet(r -> r.stackSetName(ss).callAs(DELEGATED)))
        .isInstanceOf(StackSetNotEmptyException.class);
  }

  @Test
  void accountFilterDifferenceLeavesExcludedAccountsOut() {
    String ss = serviceManaged("boundary-d", ALLOW_ALL, false);
    String excluded = org.account("dev-data");
    String op = cfn.createStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)
        .deploymentTargets(t -> t.organizationalUnitIds(org.ou("dev")).accounts(excluded)
            .accountFilterType(AccountFilterType.DIFFERENCE))
        .regions(AwsEmulator.REGION)).operationId();
    await(cfn, ss, op, DELEGATED);
    assertThat(policyExists(excluded, "boundary-d")).isFalse();
    assertThat(policyExists(org.account("dev-payments"), "boundary-d")).isTrue();
  }

  @Test
  void operationsRunAsynchronouslyAndABusyStackSetRefusesAnother() {
    admin.setOperationTiming(2.0, 0);
    String ss = serviceManaged("boundary-e", ALLOW_ALL, false);
    String op = cfn.createStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)
        .operationId("create-e-1")
        .deploymentTargets(t -> t.organizationalUnitIds(org.ou("dev"))).regions(AwsEmulator.REGION))
        .operationId();
    assertThat(op).isEqualTo("create-e-1");
    assertThat(cfn.describeStackSetOperation(r -> r.stackSetName(ss).operationId(op).callAs(DELEGATED))
        .stackSetOperation().status()).isEqualTo(StackSetOperationStatus.RUNNING);
    assertThat(cfn.listStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)).summaries())
        .allSatisfy(i -> assertThat(i.statusAsString()).isEqualTo("OUTDATED"));
    assertThatThrownBy(() -> cfn.updateStackSet(r -> r.stackSetName(ss).callAs(DELEGATED)
        .templateBody(policyTemplate("boundary-e", DENY_CONFIG))))
        .isInstanceOf(OperationInProgressException.class);
    assertThatThrownBy(() -> cfn.detectStackSetDrift(r -> r.stackSetName(ss).callAs(DELEGATED)))
        .isInstanceOf(OperationInProgressException.class);
    assertThat(await(cfn, ss, op, DELEGATED).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);
    assertThatThrownBy(() -> cfn.createStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)
        .operationId("create-e-1")
        .deploymentTargets(t -> t.organizationalUnitIds(org.ou("beta"))).regions(AwsEmulator.REGION)))
        .isInstanceOf(OperationIdAlreadyExistsException.class);
  }

  /** AWS finishes an operation's instances round by round: the first are CURRENT while later ones wait. */
  @Test
  void instancesEndRoundByRoundNotAllWhenTheOperationEnds() throws InterruptedException {
    admin.setOperationTiming(0.2, 1.5);
    String ss = serviceManaged("boundary-r", ALLOW_ALL, false);
    List<String> accounts = prodAccounts();
    String op = cfn.createStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)
        .operationPreferences(p -> p.maxConcurrentCount(1).failureToleranceCount(0))
        .deploymentTargets(t -> t.organizationalUnitIds(org.ou("prod"))).regions(AwsEmulator.REGION))
        .operationId();
    Map<String, String> seen = Map.of();
    for (int i = 0; i < 40 && !seen.containsValue("CURRENT"); i++) {
      Thread.sleep(100);
      seen = cfn.listStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)).summaries().stream()
          .collect(Collectors.toMap(StackInstanceSummary::account, StackInstanceSummary::statusAsString));
    }
    assertThat(seen).as("one instance per round, %s accounts", accounts.size()).containsValue("CURRENT")
        .containsValue("OUTDATED");
    assertThat(seen.values().stream().filter("CURRENT"::equals).count()).isEqualTo(1);
    assertThat(cfn.describeStackSetOperation(r -> r.stackSetName(ss).operationId(op).callAs(DELEGATED))
        .stackSetOperation().status()).isEqualTo(StackSetOperationStatus.RUNNING);
    assertThat(await(cfn, ss, op, DELEGATED).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);
    assertThat(cfn.listStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED)).summaries())
        .hasSize(accounts.size()).allSatisfy(i -> assertThat(i.statusAsString()).isEqualTo("CURRENT"));
  }

  @Test
  void failuresBeyondTheToleranceFailTheOperationAndTheInstance() {
    String ss = serviceManaged("boundary-f", ALLOW_ALL, false);
    String broken = org.account("beta-search");
    admin.failInstancesIn(broken, "Resource handler returned message: injected");
    StackSetOperation op = deployTo(ss, org.ou("beta"));
    assertThat(op.status()).isEqualTo(StackSetOperationStatus.FAILED);
    Map<String, String> detailed = cfn.listStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED))
        .summaries().stream().collect(Collectors.toMap(StackInstanceSummary::account,
            i -> i.stackInstanceStatus().detailedStatusAsString()));
    assertThat(detailed.get(broken)).isEqualTo("FAILED");
    var results = cfn.listStackSetOperationResults(r -> r.stackSetName(ss).callAs(DELEGATED)
        .operationId(op.operationId())).summaries();
    assertThat(results).anySatisfy(res -> {
      assertThat(res.account()).isEqualTo(broken);
      assertThat(res.statusReason()).contains("injected");
    });
  }

  @Test
  void driftDetectionFindsAPolicyEditedOutOfBand() {
    String ss = serviceManaged("boundary-g", ALLOW_ALL, false);
    deployTo(ss, org.ou("beta"));
    String edited = org.account("beta-payments");
    try (IamClient iam = aws.inAccount(edited).iam()) {
      iam.createPolicyVersion(r -> r.policyArn(arn(edited, "boundary-g")).setAsDefault(true)
          .policyDocument("{\"Version\":\"2012-10-17\",\"Statement\":" + DENY_CONFIG + "}"));
    }
    String op = cfn.detectStackSetDrift(r -> r.stackSetName(ss).callAs(DELEGATED)).operationId();
    StackSetOperation done = await(cfn, ss, op, DELEGATED);
    assertThat(done.action()).isEqualTo(StackSetOperationAction.DETECT_DRIFT);
    var details = cfn.describeStackSet(r -> r.stackSetName(ss).callAs(DELEGATED)).stackSet()
        .stackSetDriftDetectionDetails();
    assertThat(details.driftStatus()).isEqualTo(StackSetDriftStatus.DRIFTED);
    assertThat(details.driftedStackInstancesCount()).isEqualTo(1);
    Map<String, String> drift = cfn.listStackInstances(r -> r.stackSetName(ss).callAs(DELEGATED))
        .summaries().stream().collect(Collectors.toMap(StackInstanceSummary::account,
            StackInstanceSummary::driftStatusAsString));
    assertThat(drift).containsEntry(edited, "DRIFTED")
        .containsEntry(org.account("beta-search"), "IN_SYNC");
  }

  @Test
  void autoDeploymentFollowsAccountsIntoAndOutOfTargetedOus() {
    String ss = serviceManaged("boundary-h", ALLOW_ALL, true);
    deployTo(ss, org.ou("beta"));
    String mover = org.account("sandbox-experiments");
    try (OrganizationsClient orgs = aws.organizations()) {
      orgs.moveAccount(r -> r.accountId(mover).sourceParentId(org.ou("sandbox"))
          .destinationParentId(org.ou("beta")));
      assertThat(policyExists(mover, "boundary-h")).isTrue();
      orgs.moveAccount(r -> r.accountId(mover).sourceParentId(org.ou("beta"))
          .destinationParentId(org.ou("sandbox")));
      assertThat(policyExists(mover, "boundary-h")).isFalse();
    }
  }

  @Test
  void selfManagedInstancesNeedTheExecutionRole() {
    String name = "ss-self-managed";
    try (CloudFormationClient mgmt = aws.cloudFormation()) {
      mgmt.createStackSet(r -> r.stackSetName(name).permissionModel(PermissionModels.SELF_MANAGED)
          .templateBody(policyTemplate("boundary-i", ALLOW_ALL)));
      String withRole = org.account("dev-payments");
      String op = mgmt.createStackInstances(r -> r.stackSetName(name).accounts(withRole)
          .regions(AwsEmulator.REGION)).operationId();
      assertThat(await(mgmt, name, op, CallAs.SELF).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);
      assertThat(policyExists(withRole, "boundary-i")).isTrue();

      try (IamClient iam = aws.inAccount(org.account("dev-search")).iam()) {
        iam.deleteRole(r -> r.roleName(OrganizationSeeder.STACKSET_EXECUTION_ROLE));
      }
      String op2 = mgmt.createStackInstances(r -> r.stackSetName(name)
          .accounts(org.account("dev-search")).regions(AwsEmulator.REGION)).operationId();
      StackSetOperation failed = await(mgmt, name, op2, CallAs.SELF);
      assertThat(failed.status()).isEqualTo(StackSetOperationStatus.FAILED);
    }
  }

  @Test
  void aMemberThatIsNotDelegatedAdministratorCannotActAsOne() {
    try (CloudFormationClient member = aws.inAccount(org.account("dev-data")).cloudFormation()) {
      assertThatThrownBy(() -> member.listStackSets(r -> r.callAs(DELEGATED)))
          .hasMessageContaining("not registered as a delegated administrator");
    }
  }
}
