package io.stageboundary.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.KubePeer;
import io.stageboundary.testenv.KubePeer.KubectlResult;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;

/**
 * Every manifest of the bad-input catalogue (src/test/resources/bad-input/catalogue.yaml), applied
 * with kubectl while the operator runs, ends the way the catalogue says — refused at admission,
 * Stalled with its reason, or in Conflict — and the whole catalogue causes zero AWS writes.
 */
@PeersExtension.WithPeers
class BadInputCatalogueTest {
  @TempDir
  static Path work;
  private static OperatorHarness h;
  private static KubePeer kube;
  private static EmulatorAdmin emulator;
  private static Peers peers;

  @BeforeAll
  static void start(Peers p) {
    peers = p;
    kube = p.kube();
    emulator = p.emulator();
    h = OperatorHarness.start(p);
    h.applySample("organization.yaml");
    await().atMost(Duration.ofSeconds(30)).until(() -> ready("main"));
    emulator.clearCalls();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static boolean ready(String org) {
    var o = h.organization(org);
    return o != null && o.getStatus() != null && o.getStatus().conditions() != null && o.getStatus().conditions()
        .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static List<JsonNode> catalogue() throws IOException {
    try (InputStream in = BadInputCatalogueTest.class.getResourceAsStream("/bad-input/catalogue.yaml")) {
      List<JsonNode> out = new ArrayList<>();
      new ObjectMapper(new YAMLFactory()).readTree(in).forEach(out::add);
      return out;
    }
  }

  private static KubectlResult kubectl(String verb, String manifest, String... extra) throws IOException {
    Path file = Files.createTempFile(work, "bad-input", ".yaml");
    Files.writeString(file, manifest);
    List<String> args = new ArrayList<>(List.of(verb, "-f", file.toString()));
    args.addAll(List.of(extra));
    return kube.tryKubectl(args.toArray(String[]::new));
  }

  /** Kind and name of each object in a manifest. */
  private static List<String[]> objects(String manifest) {
    List<String[]> out = new ArrayList<>();
    String kind = null;
    for (String line : manifest.lines().toList()) {
      if (line.startsWith("kind: ")) {
        kind = line.substring(6).strip();
      }
      if (line.startsWith("metadata: {name: ")) {
        out.add(new String[] {kind, line.substring("metadata: {name: ".length(), line.indexOf('}'))});
      }
    }
    return out;
  }

  private static GenericKubernetesResource get(String kind, String name) {
    return h.client().genericKubernetesResources("iam.stageboundary.io/v1alpha1", kind).withName(name).get();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> condition(GenericKubernetesResource o, String type) {
    if (o == null || o.getAdditionalProperties().get("status") == null) {
      return null;
    }
    Map<String, Object> status = (Map<String, Object>) o.getAdditionalProperties().get("status");
    List<Map<String, Object>> conditions = (List<Map<String, Object>>) status.get("conditions");
    return conditions == null ? null : conditions.stream().filter(c -> type.equals(c.get("type"))).findFirst()
        .orElse(null);
  }

  @Test
  void everyBadManifestEndsAsTheCatalogueSaysAndNothingIsWrittenToAws() throws IOException {
    List<JsonNode> entries = catalogue();
    assertThat(entries).hasSizeGreaterThanOrEqualTo(30);
    List<String> failures = new ArrayList<>();
    for (JsonNode e : entries) {
      String name = e.path("name").asText();
      String manifest = e.path("manifest").asText();
      String message = e.path("message").asText();
      try {
        if (e.has("setup")) {
          KubectlResult setup = kubectl("apply", e.path("setup").asText());
          assertThat(setup.exitCode()).as("%s: setup\n%s", name, setup.output()).isZero();
        }
        KubectlResult r = kubectl("apply", manifest);
        switch (e.path("expect").asText()) {
          case "Refused" -> {
            assertThat(r.exitCode()).as("%s was accepted:\n%s", name, r.output()).isNotZero();
            assertThat(r.output()).as(name).contains(message);
          }
          case "Stalled" -> {
            assertThat(r.exitCode()).as("%s: %s", name, r.output()).isZero();
            String kind = e.path("kind").asText("Stage");
            String objectName = objects(manifest).get(0)[1];
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
              Map<String, Object> stalled = condition(get(kind, objectName), "Stalled");
              assertThat(stalled).as("%s: Stalled condition", name).isNotNull();
              assertThat(stalled.get("status")).as(name).isEqualTo("True");
              assertThat(stalled.get("reason")).as(name).isEqualTo(e.path("reason").asText());
              assertThat(String.valueOf(stalled.get("message"))).as(name).contains(message);
            });
          }
          case "Conflict" -> {
            assertThat(r.exitCode()).as("%s: %s", name, r.output()).isZero();
            for (String[] o : objects(manifest)) {
              await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<String, Object> conflict = condition(get(o[0], o[1]), "Conflict");
                assertThat(conflict).as("%s: Conflict condition on %s", name, o[1]).isNotNull();
                assertThat(conflict.get("status")).as(name).isEqualTo("True");
                assertThat(String.valueOf(conflict.get("message"))).as(name).contains(message);
              });
            }
          }
          default -> throw new AssertionError(name + ": unknown expectation " + e.path("expect"));
        }
      } catch (AssertionError | RuntimeException x) {
        failures.add(name + ": " + x.getMessage());
      }
      // leave nothing behind for the next entry (deleting with deletionPolicy Retain writes nothing),
      // last object first: of two conflicting Stages the suspended one, listed first, goes last,
      // so the other never finds itself alone and takes the accounts over
      for (String m : e.has("setup") ? List.of(manifest, e.path("setup").asText()) : List.of(manifest)) {
        List<String[]> objects = new java.util.ArrayList<>(objects(m));
        java.util.Collections.reverse(objects);
        for (String[] o : objects) {
          kube.tryKubectl("delete", o[0], o[1], "--ignore-not-found", "--wait=true", "--timeout=30s");
        }
        kubectl("delete", m, "--ignore-not-found", "--wait=true", "--timeout=30s");
      }
    }
    assertThat(failures).as("entries that did not end as the catalogue says").isEmpty();
    assertThat(emulator.calls().stream().filter(EmulatorAdmin.Call::write)
        .map(c -> c.service() + ":" + c.action() + " in " + c.account()).toList())
        .as("AWS writes caused by the catalogue").isEmpty();
    assertThat(emulator.totalWrites()).isZero();
    try (CloudFormationClient cfn = peers.awsClients().assumeRole(peers.organization().operatorRoleArn()).cloudFormation()) {
      assertThat(cfn.listStackSets(r -> r.callAs(CallAs.DELEGATED_ADMIN)).summaries()).isEmpty();
    }
  }
}
