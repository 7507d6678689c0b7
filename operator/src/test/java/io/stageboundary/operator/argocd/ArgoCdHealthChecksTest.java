package io.stageboundary.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.stageboundary.operator.kube.ConditionReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Argo CD health checks in deploy/argocd pass their test cases (objects captured from the
 * operator's real output) under gopher-lua, cover every situation a user meets, and the argocd-cm
 * snippet users apply carries exactly these scripts.
 */
class ArgoCdHealthChecksTest {
  @TempDir
  Path work;
  private static final Path CHECKS = ArgoCdHealth.REPO.resolve("deploy/argocd/iam.stageboundary.io");

  @ParameterizedTest
  @ValueSource(strings = {"Stage", "StageAccount", "AwsOrganization", "BoundaryException"})
  void everyTestCasePassesUnderGopherLua(String kind) {
    ArgoCdHealth.Run r = ArgoCdHealth.test(CHECKS.resolve(kind));
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains(", 0 failed");
  }

  @Test
  void theCasesCoverEverySituation() throws IOException {
    assertThat(statuses("Stage")).contains("Healthy", "Progressing", "Degraded", "Suspended");
    assertThat(statuses("StageAccount")).contains("Healthy", "Progressing", "Degraded");
    assertThat(statuses("AwsOrganization")).contains("Healthy", "Progressing", "Degraded");
    assertThat(statuses("BoundaryException")).contains("Healthy", "Progressing", "Degraded", "Suspended");
    for (String kind : List.of("Stage", "AwsOrganization", "BoundaryException")) {
      JsonNode noStatus = yaml(CHECKS.resolve(kind).resolve("testdata/no-status.yaml"));
      assertThat(noStatus.has("status")).as("%s testdata/no-status.yaml has a status", kind).isFalse();
    }
  }

  /** A reason a script looks for is one the operator sets: renaming a reason breaks this, not Argo CD. */
  @ParameterizedTest
  @ValueSource(strings = {"Stage", "StageAccount", "AwsOrganization", "BoundaryException"})
  void everyReasonAScriptNamesIsOneTheOperatorSets(String kind) throws IOException {
    String script = Files.readString(CHECKS.resolve(kind).resolve("health.lua"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("reason\\s*[~=]=\\s*\"([A-Za-z]+)\"").matcher(script);
    List<String> named = new ArrayList<>();
    while (m.find()) {
      named.add(m.group(1));
    }
    for (String reason : named) {
      assertThat(java.util.Arrays.stream(ConditionReason.values()).map(Enum::name))
          .as("%s/health.lua names the reason %s", kind, reason).contains(reason);
    }
  }

  @Test
  void aBrokenScriptIsReportedNotHidden() throws IOException {
    Path dir = Files.createTempDirectory(work, "argocd-health");
    Files.writeString(dir.resolve("health.lua"), "local hs = {}\nhs.status = string.upper('healthy')\nreturn hs\n");
    Files.writeString(dir.resolve("obj.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    // Argo CD gives user-configured checks no string library; a script using it fails there too
    assertThat(ArgoCdHealth.test(dir).exitCode()).isNotZero();
    Files.writeString(dir.resolve("health_test.yaml"),
        "tests:\n- healthStatus: {status: Healthy, message: ''}\n  inputPath: obj.yaml\n");
    ArgoCdHealth.Run r = ArgoCdHealth.test(dir);
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("FAIL obj.yaml").contains("string");
  }

  @Test
  void theArgoCdConfigMapCarriesTheScripts() throws IOException {
    JsonNode cm = yaml(ArgoCdHealth.REPO.resolve("samples/argocd-cm.yaml"));
    assertThat(cm.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
    List<String> keys = new ArrayList<>();
    cm.path("data").fieldNames().forEachRemaining(keys::add);
    assertThat(keys).containsExactlyInAnyOrder(
        "resource.customizations.health.iam.stageboundary.io_Stage",
        "resource.customizations.health.iam.stageboundary.io_StageAccount",
        "resource.customizations.health.iam.stageboundary.io_AwsOrganization",
        "resource.customizations.health.iam.stageboundary.io_BoundaryException");
    for (String key : keys) {
      String kind = key.substring(key.indexOf('_') + 1);
      assertThat(cm.path("data").path(key).asText())
          .as("%s differs from %s/health.lua: run hack/update-argocd.sh", key, kind)
          .isEqualTo(Files.readString(CHECKS.resolve(kind).resolve("health.lua")));
    }
  }

  private static JsonNode yaml(Path file) throws IOException {
    return Serialization.unmarshal(Files.readString(file), JsonNode.class);
  }

  private static List<String> statuses(String kind) throws IOException {
    JsonNode tests = yaml(CHECKS.resolve(kind).resolve("health_test.yaml")).path("tests");
    List<String> out = new ArrayList<>();
    tests.forEach(t -> out.add(t.path("healthStatus").path("status").asText()));
    return out;
  }
}
