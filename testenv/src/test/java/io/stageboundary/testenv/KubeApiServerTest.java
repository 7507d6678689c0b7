package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Proof that the Kubernetes peer is a real API server: CEL admission, SSA, RBAC, tokens. */
@PeersExtension.WithPeers
class KubeApiServerTest {
  private static final String CRD = """
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: widgets.peers.test.io}
      spec:
        group: peers.test.io
        scope: Cluster
        names: {kind: Widget, plural: widgets, singular: widget}
        versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              properties:
                spec:
                  type: object
                  properties:
                    min: {type: integer}
                    max: {type: integer}
                  x-kubernetes-validations:
                  - rule: self.min <= self.max
                    message: min must not exceed max
      """;
  private static final ResourceDefinitionContext WIDGETS = new ResourceDefinitionContext.Builder()
      .withGroup("peers.test.io").withVersion("v1").withPlural("widgets").withKind("Widget")
      .withNamespaced(false).build();

  @Test
  void reportsThePinnedVersion(KubernetesClient client, Peers peers) {
    assertThat(client.getKubernetesVersion().getGitVersion())
        .isEqualTo("v" + peers.layout().version("KUBERNETES_VERSION"));
    assertThat(peers.kube().kubectl("get", "namespace", "default", "-o", "name"))
        .contains("namespace/default");
  }

  @Test
  void rejectsAnObjectThatBreaksACelRule(KubernetesClient client) throws Exception {
    CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
        .load(new ByteArrayInputStream(CRD.getBytes(StandardCharsets.UTF_8))).item();
    client.resource(crd).serverSideApply();
    client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
        .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
            .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
            30, TimeUnit.SECONDS);

    GenericKubernetesResource ok = widget("ok", 1, 2);
    client.genericKubernetesResources(WIDGETS).resource(ok).create();
    assertThatThrownBy(() -> client.genericKubernetesResources(WIDGETS)
        .resource(widget("bad", 3, 2)).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> {
          assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("min must not exceed max");
        });
    client.genericKubernetesResources(WIDGETS).withName("ok").delete();
  }

  @Test
  void supportsServerSideApplyWithFieldOwnership(KubernetesClient client) {
    ConfigMap first = new ConfigMapBuilder().withNewMetadata().withName("ssa").withNamespace("default")
        .endMetadata().withData(Map.of("owner", "alice")).build();
    client.configMaps().resource(first).fieldManager("alice").forceConflicts().serverSideApply();
    ConfigMap second = new ConfigMapBuilder(first).withData(Map.of("owner", "bob")).build();
    assertThatThrownBy(() -> client.configMaps().resource(second)
        .patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager("bob").withForce(false).build()))
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));
    ConfigMap applied = client.configMaps().inNamespace("default").withName("ssa").get();
    assertThat(applied.getMetadata().getManagedFields())
        .anyMatch(f -> "alice".equals(f.getManager()) && "Apply".equals(f.getOperation()));
    client.configMaps().resource(applied).delete();
  }

  @Test
  void deniesAnImpersonatedUnprivilegedUser(KubePeer kube) {
    try (KubernetesClient nobody = kube.impersonating("jane")) {
      assertThatThrownBy(() -> nobody.secrets().inNamespace("kube-system").list())
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
    }
  }

  @Test
  void issuesServiceAccountTokensThatRbacChecks(KubernetesClient client, KubePeer kube) {
    client.serviceAccounts().inNamespace("default").resource(new ServiceAccountBuilder()
        .withNewMetadata().withName("probe").endMetadata().build()).serverSideApply();
    String token = client.serviceAccounts().inNamespace("default").withName("probe")
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L)
            .endSpec().build()).getStatus().getToken();
    Config config = kube.adminConfig();
    config.setClientCertData(null);
    config.setClientKeyData(null);
    config.setOauthToken(token);
    try (KubernetesClient sa = new KubernetesClientBuilder().withConfig(config).build()) {
      assertThatThrownBy(() -> sa.configMaps().inNamespace("default").list())
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> {
            assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403);
            assertThat(e.getMessage()).contains("system:serviceaccount:default:probe");
          });
    }
  }

  private static GenericKubernetesResource widget(String name, int min, int max) {
    return new GenericKubernetesResourceBuilder().withApiVersion("peers.test.io/v1")
        .withKind("Widget").withNewMetadata().withName(name).endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("min", min, "max", max))).build();
  }
}
