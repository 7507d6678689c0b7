package io.stageboundary.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.stageboundary.operator.app.StageBoundaryOperator;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.e2e.OperatorHarness;
import io.stageboundary.operator.app.OperatorSettings;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC is enough and no more: its ClusterRole, Roles and bindings are applied to the
 * real API server and the operator runs the whole flow as the chart's ServiceAccount (an
 * impersonating client); the same identity is refused Secrets and every kind it does not own.
 */
@PeersExtension.WithPeers
class RbacTest {
  private static final String SA = "system:serviceaccount:" + Helm.NAMESPACE + ":" + Helm.FULLNAME;
  private static OperatorHarness h;
  private static KubernetesClient asOperator;
  private static StageBoundaryOperator operator;

  @BeforeAll
  static void start(Peers peers) {
    peers.emulator().setOperationTiming(0.3, 0);
    h = OperatorHarness.start(peers);
    h.stopOperator();
    h.apply("""
        apiVersion: v1
        kind: Namespace
        metadata: {name: %s}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: team-secrets}
        """.formatted(Helm.NAMESPACE));
    String rendered = Helm.template(Map.of("credentialsSecrets[0].namespace", "team-secrets",
        "credentialsSecrets[0].name", "granted"));
    for (HasMetadata o : Helm.objects(rendered)) {
      if (List.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding").contains(o.getKind())) {
        h.client().resource(o).forceConflicts().serverSideApply();
      }
    }
    asOperator = peers.kube().impersonating(SA, "system:serviceaccounts",
        "system:serviceaccounts:" + Helm.NAMESPACE, "system:authenticated");
    OperatorSettings settings = OperatorHarness.settings(peers).withLeaderElection(
        new OperatorSettings.LeaderElection(true, Helm.FULLNAME, Helm.NAMESPACE, "rbac-test", false));
    operator = StageBoundaryOperator.start(asOperator, settings, null);
    await().atMost(Duration.ofSeconds(60)).until(operator::healthy);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    h.startOperator();
    h.close();
  }

  @Test
  void theOperatorRunsTheWholeFlowAsTheChartsServiceAccount() {
    h.applySample("organization.yaml");
    h.applySample("stage-dev.yaml");
    h.awaitReady("dev");
    assertThat(h.stageAccounts("dev")).hasSize(3);
    assertThat(h.client().leases().inNamespace(Helm.NAMESPACE).withName(Helm.FULLNAME).get().getSpec()
        .getHolderIdentity()).isEqualTo("rbac-test");
    String uid = h.stage("dev").getMetadata().getUid();
    assertThat(h.client().v1().events().inNamespace("default").list().getItems())
        .anyMatch(e -> uid.equals(e.getInvolvedObject().getUid()));
    // and deleting follows the finalizer through to the end
    h.client().resource(h.stage("dev")).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.stage("dev") == null);
  }

  @Test
  void secretsNamedInTheValuesCanBeReadOthersCannot() {
    secret("team-secrets", "granted");
    secret("team-secrets", "not-granted");
    h.apply(organization("granted"));
    h.apply(organization("not-granted"));
    await().atMost(Duration.ofSeconds(30)).until(() -> ready("org-granted"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(stalledMessage("org-not-granted"))
        .contains("may not read Secret team-secrets/not-granted").contains("credentialsSecrets"));
  }

  @Test
  void theServiceAccountIsRefusedEverythingItDoesNotNeed() {
    for (String ns : List.of(Helm.NAMESPACE, "default", "kube-system", "team-secrets")) {
      assertThat(can("get", "", "secrets", ns, null)).as("get secrets in %s", ns).isFalse();
      assertThat(can("list", "", "secrets", ns, null)).as("list secrets in %s", ns).isFalse();
    }
    assertThat(can("get", "", "secrets", "team-secrets", "granted")).isTrue();
    assertThat(can("list", "", "secrets", "team-secrets", null)).isFalse();
    assertThat(can("create", "", "configmaps", "default", null)).isFalse();
    assertThat(can("create", "", "pods", Helm.NAMESPACE, null)).isFalse();
    assertThat(can("create", "apps", "deployments", Helm.NAMESPACE, null)).isFalse();
    assertThat(can("update", "apiextensions.k8s.io", "customresourcedefinitions", null, null)).isFalse();
    assertThat(can("create", "rbac.authorization.k8s.io", "clusterroles", null, null)).isFalse();
    assertThat(can("create", "iam.stageboundary.io", "stages", null, null)).isFalse();
    assertThat(can("delete", "iam.stageboundary.io", "stages", null, null)).isFalse();
    assertThat(can("delete", "iam.stageboundary.io", "awsorganizations", null, null)).isFalse();
    assertThat(can("create", "coordination.k8s.io", "leases", "default", null)).isFalse();
    assertThat(can("create", "", "events", "kube-system", null)).isFalse();
    // what it needs
    assertThat(can("patch", "iam.stageboundary.io", "stages/status", null, null)).isTrue();
    assertThat(can("create", "iam.stageboundary.io", "stageaccounts", null, null)).isTrue();
    assertThat(can("update", "coordination.k8s.io", "leases", Helm.NAMESPACE, null)).isTrue();
    assertThat(can("create", "", "events", "default", null)).isTrue();
  }

  private static boolean can(String verb, String group, String resource, String namespace, String name) {
    String sub = null;
    String res = resource;
    if (resource.contains("/")) {
      res = resource.substring(0, resource.indexOf('/'));
      sub = resource.substring(resource.indexOf('/') + 1);
    }
    SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
        .withVerb(verb).withGroup(group).withResource(res).withSubresource(sub).withNamespace(namespace)
        .withName(name).endResourceAttributes().endSpec().build();
    return asOperator.authorization().v1().selfSubjectAccessReview().create(review).getStatus().getAllowed();
  }

  private static void secret(String namespace, String name) {
    Base64.Encoder b64 = Base64.getEncoder();
    h.client().resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withNamespace(namespace)
        .withName(name).endMetadata()
        .addToData("accessKeyId", b64.encodeToString(AwsClients.ACCESS_KEY_ID.getBytes()))
        .addToData("secretAccessKey", b64.encodeToString(AwsClients.SECRET_ACCESS_KEY.getBytes())).build())
        .forceConflicts().serverSideApply();
  }

  private static String organization(String secret) {
    return OperatorHarness.read("samples/organization.yaml").replace("name: main", "name: org-" + secret)
        .replace("source: Default", "source: Secret\n    secretRef: {namespace: team-secrets, name: " + secret + "}");
  }

  private static boolean ready(String name) {
    AwsOrganization o = h.organization(name);
    return o != null && o.getStatus() != null && o.getStatus().conditions() != null && o.getStatus().conditions()
        .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static String stalledMessage(String name) {
    AwsOrganization o = h.organization(name);
    return o.getStatus().conditions().stream().filter(c -> "Stalled".equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst().orElseThrow().getMessage();
  }
}
