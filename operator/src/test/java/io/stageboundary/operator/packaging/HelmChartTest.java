package io.stageboundary.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.stageboundary.operator.app.SboConfig;
import io.stageboundary.testenv.KubePeer;
import io.stageboundary.testenv.KubePeer.KubectlResult;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart lints, renders with default and with every option, is accepted by the real API
 * server (server-side dry run), keeps the security settings a platform team expects, and refuses
 * bad values through values.schema.json.
 */
@PeersExtension.WithPeers
class HelmChartTest {
  @TempDir
  Path work;
  private static KubePeer kube;

  @BeforeAll
  static void start(Peers peers) throws IOException {
    kube = peers.kube();
    kube.kubectl("apply", "--server-side", "--force-conflicts", "-f", Helm.CHART.resolve("crds").toString());
    try (Stream<Path> files = Files.list(peers.layout().thirdPartyCrds())) {
      for (Path crd : files.filter(f -> f.toString().contains("servicemonitors")
          || f.toString().contains("prometheusrules")).toList()) {
        kube.kubectl("apply", "--server-side", "--force-conflicts", "-f", crd.toString());
      }
    }
    kube.tryKubectl("create", "namespace", Helm.NAMESPACE);
    kube.tryKubectl("create", "namespace", "team-secrets");
  }

  private static Map<String, String> everyOption() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("replicaCount", "3");
    v.put("serviceAccount.awsRoleArn", "arn:aws:iam::111111111111:role/stage-boundary-operator");
    v.put("metrics.serviceMonitor.enabled", "true");
    v.put("metrics.prometheusRule.enabled", "true");
    v.put("credentialsSecrets[0].namespace", "team-secrets");
    v.put("credentialsSecrets[0].name", "aws-keys");
    v.put("aws.endpoint", "https://vpce.example.internal");
    v.put("operator.logLevel", "DEBUG");
    v.put("priorityClassName", "system-cluster-critical");
    return v;
  }

  @Test
  void theChartLintsStrictly() {
    Helm.Result r = Helm.run("lint", "--strict", Helm.CHART.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @Test
  void installNotesTellWhatToDoNext() {
    Helm.Result r = Helm.run("install", Helm.RELEASE, Helm.CHART.toString(), "--namespace", Helm.NAMESPACE,
        "--dry-run=client", "--kubeconfig", kube.kubeconfig().toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    String notes = r.output().substring(r.output().indexOf("NOTES:"));
    assertThat(notes).contains("leader election on", "serviceAccount.awsRoleArn", "docs/iam",
        "kubectl wait --for=condition=Ready awsorganization/main", "/q/metrics");
    Helm.Result irsa = Helm.run("install", Helm.RELEASE, Helm.CHART.toString(), "--namespace", Helm.NAMESPACE,
        "--dry-run=client", "--kubeconfig", kube.kubeconfig().toString(),
        "--set", "serviceAccount.awsRoleArn=arn:aws:iam::111111111111:role/x");
    assertThat(irsa.output().substring(irsa.output().indexOf("NOTES:"))).doesNotContain("no serviceAccount.awsRoleArn");
  }

  @Test
  void renderedManifestsAreAcceptedByTheApiServer() throws IOException {
    for (Map<String, String> values : List.of(Map.<String, String>of(), everyOption())) {
      Path file = Files.createTempFile(work, "chart", ".yaml");
      Files.writeString(file, Helm.template(values));
      KubectlResult r = kube.tryKubectl("apply", "--dry-run=server", "-f", file.toString());
      assertThat(r.exitCode()).as("values %s:\n%s", values, r.output()).isZero();
    }
  }

  @Test
  void theDeploymentRunsLockedDownWithProbesAndLeaderElection() {
    List<HasMetadata> objects = Helm.objects(Helm.template(Map.of()));
    Deployment d = Helm.one(objects, Deployment.class);
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container c = pod.getContainers().get(0);
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/started");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    assertThat(env(c)).containsEntry("SBO_LEADER_ELECTION_ENABLED", "true");
    assertThat(c.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("SBO_LEADER_ELECTION_LEASE_NAMESPACE");
      assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    });
    assertThat(objects).noneMatch(o -> o.getKind().equals("PodDisruptionBudget"));
    assertThat(Helm.objects(Helm.template(Map.of("replicaCount", "2"))))
        .anyMatch(o -> o.getKind().equals("PodDisruptionBudget"));
  }

  @Test
  void everySettingTheDeploymentPassesIsOneTheOperatorReads() {
    Container c = Helm.one(Helm.objects(Helm.template(everyOption())), Deployment.class)
        .getSpec().getTemplate().getSpec().getContainers().get(0);
    List<String> known = new ArrayList<>();
    collect("SBO", SboConfig.class, known);
    for (String name : env(c).keySet()) {
      if (name.startsWith("SBO_")) {
        assertThat(known).as("%s is a setting SboConfig defines", name).contains(name);
      }
    }
    assertThat(env(c)).containsEntry("SBO_AWS_ENDPOINT", "https://vpce.example.internal")
        .containsEntry("QUARKUS_LOG_CATEGORY__IO_STAGEBOUNDARY__LEVEL", "DEBUG")
        .containsKey("JAVA_TOOL_OPTIONS");
  }

  /** SboConfig's properties as the environment variables SmallRye Config maps them from. */
  private static void collect(String prefix, Class<?> type, List<String> out) {
    for (Method m : type.getDeclaredMethods()) {
      String name = prefix + "_" + m.getName().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
      if (m.getReturnType().isInterface() && m.getReturnType().getEnclosingClass() == SboConfig.class) {
        collect(name, m.getReturnType(), out);
      } else {
        out.add(name);
      }
    }
  }

  @Test
  void awsIdentityIsTheServiceAccountsAnnotation() {
    List<HasMetadata> objects = Helm.objects(Helm.template(everyOption()));
    ServiceAccount sa = Helm.one(objects, ServiceAccount.class);
    assertThat(sa.getMetadata().getAnnotations())
        .containsEntry("eks.amazonaws.com/role-arn", "arn:aws:iam::111111111111:role/stage-boundary-operator");
    assertThat(Helm.one(Helm.objects(Helm.template(Map.of())), ServiceAccount.class).getMetadata().getAnnotations())
        .isNullOrEmpty();
  }

  @Test
  void secretsAreReadableOnlyWhenNamedAndOnlyThoseNamed() {
    assertThat(Helm.objects(Helm.template(Map.of()))).allSatisfy(o -> {
      if (o instanceof ClusterRole cr) {
        assertThat(cr.getRules()).noneMatch(r -> r.getResources().contains("secrets") || r.getResources().contains("*")
            || r.getVerbs().contains("*"));
      }
      if (o instanceof Role role) {
        assertThat(role.getRules()).noneMatch(r -> r.getResources().contains("secrets"));
      }
    });
    List<Role> roles = Helm.objects(Helm.template(everyOption())).stream().filter(Role.class::isInstance)
        .map(Role.class::cast).filter(r -> r.getRules().stream().anyMatch(x -> x.getResources().contains("secrets")))
        .toList();
    assertThat(roles).singleElement().satisfies(r -> {
      assertThat(r.getMetadata().getNamespace()).isEqualTo("team-secrets");
      assertThat(r.getRules().get(0).getResourceNames()).containsExactly("aws-keys");
      assertThat(r.getRules().get(0).getVerbs()).containsExactly("get");
    });
  }

  @Test
  void badValuesAreRefusedWithTheirPath() {
    Map<String, String> bad = Map.of(
        "replicaCount", "0",
        "serviceAccount.awsRoleArn", "my-role",
        "operator.pollInterval", "soon",
        "operator.logLevel", "LOUD",
        "replicas", "2");
    bad.forEach((key, value) -> {
      Helm.Result r = Helm.run("template", Helm.RELEASE, Helm.CHART.toString(), "--set", key + "=" + value);
      assertThat(r.exitCode()).as("%s=%s accepted", key, value).isNotZero();
      assertThat(r.output()).as(r.output()).contains("values don't meet the specifications of the schema");
    });
    Helm.Result noService = Helm.run("template", Helm.RELEASE, Helm.CHART.toString(),
        "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.service.enabled=false");
    assertThat(noService.exitCode()).isNotZero();
    assertThat(noService.output()).contains("metrics.serviceMonitor.enabled needs metrics.service.enabled");
  }

  @Test
  void theChartShipsTheCrdsAndItsVersionFollowsTheProject() throws IOException {
    assertThat(Files.list(Helm.CHART.resolve("crds")).map(p -> p.getFileName().toString()).sorted().toList())
        .containsExactly("awsorganizations.iam.stageboundary.io.yaml", "boundaryexceptions.iam.stageboundary.io.yaml",
            "boundaryrules.iam.stageboundary.io.yaml",
        "stageaccounts.iam.stageboundary.io.yaml",
            "stages.iam.stageboundary.io.yaml");
    String chart = Files.readString(Helm.CHART.resolve("Chart.yaml"));
    String pom = Files.readString(Helm.LAYOUT.repoRoot().resolve("pom.xml"));
    String version = pom.replaceAll("(?s).*?<artifactId>stage-boundary-operator-parent</artifactId>\\s*<version>([^<-]+).*", "$1");
    assertThat(chart).contains("appVersion: \"" + version + "\"");
  }

  private static Map<String, String> env(Container c) {
    Map<String, String> out = new LinkedHashMap<>();
    for (EnvVar e : c.getEnv()) {
      out.put(e.getName(), e.getValue());
    }
    return out;
  }
}
