package io.stageboundary.operator.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/architecture.md ("Packages and what each may use"), checked on the
 * compiled classes: a change that breaks one fails the build, naming the class and the dependency.
 */
class PackageRulesTest {
  static final String ROOT = "io.stageboundary.operator";
  private static final String SDK = "software.amazon.awssdk..";
  private static final String KUBE_CLIENT = "io.fabric8.kubernetes.client..";
  private static final String JOSDK = "io.javaoperatorsdk..";
  private static final String MICROMETER = "io.micrometer..";
  private static final String QUARKUS = "io.quarkus..";

  static final JavaClasses OPERATOR = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages(ROOT);

  private static String pkg(String name) {
    return ROOT + "." + name + "..";
  }

  /** Classes in {@code name} use nothing of ours outside {@code allowed} (and their own package). */
  private static ArchRule ours(String name, String... allowed) {
    String[] ok = new String[allowed.length + 1];
    ok[0] = pkg(name);
    for (int i = 0; i < allowed.length; i++) {
      ok[i + 1] = pkg(allowed[i]);
    }
    return noClasses().that().resideInAPackage(pkg(name)).should()
        .dependOnClassesThat(resideInAPackage(ROOT + "..").and(resideOutsideOfPackages(ok)))
        .because(name + " may use " + (allowed.length == 0 ? "nothing" : String.join(", ", allowed)) + " of ours");
  }

  @Test
  void apiUsesNothingElseOfOurs() {
    ours("api").check(OPERATOR);
    noClasses().that().resideInAPackage(pkg("api")).should().dependOnClassesThat()
        .resideInAnyPackage(SDK, KUBE_CLIENT + "dsl..", JOSDK, MICROMETER).check(OPERATOR);
  }

  @Test
  void policyAndCdkArePure() {
    ours("policy", "api").check(OPERATOR);
    ours("cdk", "api", "aws").check(OPERATOR);
    noClasses().that().resideInAnyPackage(pkg("policy"), pkg("cdk")).should().dependOnClassesThat()
        .resideInAnyPackage(SDK, KUBE_CLIENT, JOSDK, MICROMETER, QUARKUS)
        .because("rendering, validation and bootstrap decisions do no I/O").check(OPERATOR);
  }

  @Test
  void awsPortsAreJdkOnly() {
    classes().that().resideInAPackage(ROOT + ".aws").should().onlyDependOnClassesThat()
        .resideInAnyPackage("java..", ROOT + ".aws")
        .because("the ports, their views and failure classification are ours, in plain Java").check(OPERATOR);
  }

  @Test
  void onlyTheSdkAdapterUsesTheAwsSdk() {
    noClasses().that().resideOutsideOfPackage(pkg("aws.sdk")).should().dependOnClassesThat()
        .resideInAPackage(SDK).because("the AWS SDK is behind our ports in aws").check(OPERATOR);
    ours("aws.sdk", "aws", "policy").check(OPERATOR);
    noClasses().that().resideInAPackage(pkg("aws.sdk")).should().dependOnClassesThat()
        .resideInAnyPackage(KUBE_CLIENT, JOSDK).check(OPERATOR);
  }

  @Test
  void onlyTheApplicationWiresTheSdkAdapter() {
    noClasses().that().resideOutsideOfPackages(pkg("aws.sdk"), pkg("app")).should().dependOnClassesThat()
        .resideInAPackage(pkg("aws.sdk")).because("controllers see AWS only through the ports").check(OPERATOR);
    noClasses().that().resideOutsideOfPackage(pkg("app")).should().dependOnClassesThat()
        .resideInAnyPackage(pkg("app"), QUARKUS).because("app assembles everything; nothing depends on it")
        .check(OPERATOR);
  }

  @Test
  void kubeIsTheKubernetesSide() {
    ours("kube", "api").check(OPERATOR);
  }

  @Test
  void controllersReachKubernetesOnlyThroughKubeAndTheOperatorSdk() {
    ours("organization", "api", "policy", "aws", "kube").check(OPERATOR);
    ours("stage", "api", "policy", "cdk", "aws", "kube", "organization").check(OPERATOR);
    ours("rules", "api", "policy", "kube").check(OPERATOR);
    noClasses().that().resideInAnyPackage(pkg("stage"), pkg("organization"), pkg("rules")).should().dependOnClassesThat()
        .resideInAPackage(KUBE_CLIENT)
        .because("status, events, StageAccounts and Secrets go through kube, so the decisions are testable")
        .check(OPERATOR);
  }

  /** What every part of the Stage controller may use: the resources, rendering, the ports, Kubernetes, the organisation. */
  private static final String[] STAGE_BASE = {"api", "policy", "aws", "kube", "organization"};

  private static ArchRule capability(String name, String... alsoAllowed) {
    String[] allowed = new String[STAGE_BASE.length + alsoAllowed.length];
    System.arraycopy(STAGE_BASE, 0, allowed, 0, STAGE_BASE.length);
    System.arraycopy(alsoAllowed, 0, allowed, STAGE_BASE.length, alsoAllowed.length);
    return ours(name, allowed);
  }

  /**
   * One package per capability under the Stage controller (docs/architecture.md, "The Stage
   * controller's rooms"): each uses only the capabilities below it, so a change to one shows, in
   * its imports, what it may reach.
   */
  @Test
  void eachCapabilityOfTheStageControllerUsesOnlyTheOnesBelowIt() {
    capability("stage.pass").check(OPERATOR);
    capability("stage.status", "stage.pass").check(OPERATOR);
    capability("stage.claims", "stage.pass").check(OPERATOR);
    capability("stage.rollout", "stage.pass", "stage.status").check(OPERATOR);
    capability("stage.enforcement", "stage.pass", "stage.claims").check(OPERATOR);
    capability("stage.bootstrap", "cdk", "stage.pass", "stage.claims", "stage.enforcement").check(OPERATOR);
    capability("stage.guardrail", "stage.pass", "stage.status").check(OPERATOR);
    capability("stage.approval", "stage.pass", "stage.status", "stage.bootstrap").check(OPERATOR);
    capability("stage.exceptions", "stage.pass", "stage.status", "stage.rollout").check(OPERATOR);
  }

  @Test
  void theStageControllerSitsOnTopOfItsCapabilities() {
    noClasses().that().resideInAPackage(ROOT + ".stage.*..").should().dependOnClassesThat()
        .resideInAPackage(ROOT + ".stage")
        .because("the controller and its observation use the capabilities, never the other way round")
        .check(OPERATOR);
    slices().matching(ROOT + ".stage.(*)..").should().beFreeOfCycles().check(OPERATOR);
  }
}
