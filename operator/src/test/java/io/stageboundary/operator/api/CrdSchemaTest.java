package io.stageboundary.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.e2e.OperatorHarness;
import io.stageboundary.testenv.KubePeer;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the real API server accepts and refuses with the generated CRDs, as a user meets it with
 * kubectl: the samples pass a server-side dry run, bad manifests are refused at admission with a
 * message that says what is wrong, and kubectl explain reads the field descriptions.
 */
@PeersExtension.WithPeers
class CrdSchemaTest {
  @TempDir
  static Path work;
  private static KubePeer kube;
  private static Path dir;

  @BeforeAll
  static void install(Peers peers) throws IOException {
    kube = peers.kube();
    OperatorHarness.installCrds(peers.kubeClient());
    dir = Files.createTempDirectory(work, "manifests");
  }

  private static KubePeer.KubectlResult apply(String yaml) throws IOException {
    Path f = Files.createTempFile(dir, "m", ".yaml");
    Files.writeString(f, yaml);
    return kube.tryKubectl("apply", "--server-side", "--dry-run=server", "-f", f.toString());
  }

  static String stage(String name, String boundary, String targets) {
    return """
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: Stage
        metadata: {name: %s}
        spec:
          organizationRef: {name: main}
          boundary:
        %s
          targets:
        %s
        """.formatted(name, boundary.indent(4).stripTrailing(), targets.indent(4).stripTrailing());
  }

  static final String OK_BOUNDARY = "policyName: p\nstatements:\n- {sid: A, effect: Deny, actions: [\"s3:*\"], resources: [\"*\"]}";
  static final String OK_TARGETS = "organizationalUnits: [ou-abcd-abcdefgh]\nregions: [us-east-1]";

  @Test
  void everySampleIsAccepted() throws IOException {
    try (var files = Files.list(OperatorHarness.REPO.resolve("samples"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().matches("(organization|stage-.*)\\.yaml")).toList()) {
        KubePeer.KubectlResult r = kube.tryKubectl("apply", "--server-side", "--dry-run=server", "-f", f.toString());
        assertThat(r.exitCode()).as("%s: %s", f.getFileName(), r.output()).isZero();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      short account id        | policyName: p                                                              | accounts: ["12345"]\\nregions: [us-east-1]                          | should match '^[0-9]{12}$'
      bad OU id               | policyName: p                                                              | organizationalUnits: [ou-PROD]\\nregions: [us-east-1]              | should match
      unknown region format   | policyName: p                                                              | accounts: ["123456789012"]\\nregions: [useast1]                     | should match
      repeated region         | policyName: p                                                              | accounts: ["123456789012"]\\nregions: [us-east-1, us-east-1]        | duplicate entries for key
      no targets              | policyName: p                                                              | regions: [us-east-1]                                                | at least one organizational unit or account
      no regions              | policyName: p                                                              | accounts: ["123456789012"]                                          | regions: Required value
      bad policy name         | policyName: "no spaces"                                                    | accounts: ["123456789012"]\\nregions: [us-east-1]                   | policyName in body should match
      duplicate sid           | policyName: p\\nstatements:\\n- {sid: A, effect: Deny, actions: [\"s3:*\"], resources: [\"*\"]}\\n- {sid: A, effect: Deny, actions: [\"ec2:*\"], resources: [\"*\"]} | accounts: ["123456789012"]\\nregions: [us-east-1] | duplicate entries for key [sid=\"A\"]
      missing sid             | policyName: p\\nstatements:\\n- {effect: Deny, actions: [\"s3:*\"], resources: [\"*\"]}                                                  | accounts: ["123456789012"]\\nregions: [us-east-1] | omits all key fields
      guard sid               | policyName: p\\nstatements:\\n- {sid: ExplicitAllowAll, effect: Allow, actions: [\"*\"], resources: [\"*\"]}                             | accounts: ["123456789012"]\\nregions: [us-east-1] | reserved for the operator's guard statements
      actions and notActions  | policyName: p\\nstatements:\\n- {sid: A, effect: Deny, actions: [\"s3:*\"], notActions: [\"ec2:*\"], resources: [\"*\"]}                 | accounts: ["123456789012"]\\nregions: [us-east-1] | exactly one of actions or notActions
      no resources            | policyName: p\\nstatements:\\n- {sid: A, effect: Deny, actions: [\"s3:*\"]}                                                            | accounts: ["123456789012"]\\nregions: [us-east-1] | exactly one of resources or notResources
      bad action              | policyName: p\\nstatements:\\n- {sid: A, effect: Deny, actions: [\"s3 DeleteBucket\"], resources: [\"*\"]}                              | accounts: ["123456789012"]\\nregions: [us-east-1] | should match
      bad resource            | policyName: p\\nstatements:\\n- {sid: A, effect: Deny, actions: [\"s3:*\"], resources: [\"bucket\"]}                                    | accounts: ["123456789012"]\\nregions: [us-east-1] | should match
      unknown effect          | policyName: p\\nstatements:\\n- {sid: A, effect: Maybe, actions: [\"s3:*\"], resources: [\"*\"]}                                       | accounts: ["123456789012"]\\nregions: [us-east-1] | Unsupported value: "Maybe"
      """)
  void badStagesAreRefusedAtAdmission(String what, String boundary, String targets, String message)
      throws IOException {
    KubePeer.KubectlResult r = apply(stage("s-" + Math.abs(what.hashCode()), boundary.replace("\\n", "\n"),
        targets.replace("\\n", "\n")));
    assertThat(r.exitCode()).as(what).isNotZero();
    assertThat(r.output()).as(what).contains(message);
  }

  @Test
  void aStageNameMustBeADnsLabel() throws IOException {
    KubePeer.KubectlResult r = apply(stage("prod.eu", OK_BOUNDARY, OK_TARGETS));
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("a Stage name must be a DNS label");
  }

  @Test
  void policyNameAndOrganizationAreImmutable() throws IOException {
    Path f = Files.createTempFile(dir, "s", ".yaml");
    Files.writeString(f, stage("immutable", OK_BOUNDARY, OK_TARGETS));
    kube.kubectl("apply", "--server-side", "-f", f.toString());
    KubePeer.KubectlResult renamed = apply(stage("immutable", OK_BOUNDARY.replace("policyName: p", "policyName: q"), OK_TARGETS));
    assertThat(renamed.output()).contains("boundary.policyName is immutable");
    KubePeer.KubectlResult moved = apply(stage("immutable", OK_BOUNDARY, OK_TARGETS).replace("name: main", "name: other"));
    assertThat(moved.output()).contains("organizationRef is immutable");
    kube.kubectl("delete", "stage", "immutable");
  }

  @Test
  void secretCredentialsNeedASecretRef() throws IOException {
    KubePeer.KubectlResult r = apply("""
        apiVersion: iam.stageboundary.io/v1alpha1
        kind: AwsOrganization
        metadata: {name: o}
        spec:
          region: us-east-1
          credentials: {source: Secret}
        """);
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("credentials.secretRef is required when credentials.source is Secret");
  }

  @Test
  void defaultsAreAppliedByTheApiServer() throws IOException {
    Path f = Files.createTempFile(dir, "s", ".yaml");
    Files.writeString(f, stage("defaults", OK_BOUNDARY, OK_TARGETS));
    String out = kube.kubectl("apply", "--server-side", "--dry-run=server", "-f", f.toString(), "-o", "yaml");
    assertThat(out).contains("deletionPolicy: Retain").contains("suspend: false");
  }

  @Test
  void kubectlExplainReadsTheFieldDescriptions() {
    assertThat(kube.kubectl("explain", "stage.spec.boundary.policyName"))
        .contains("Name of the customer managed policy in each account");
    assertThat(kube.kubectl("explain", "stage.spec.targets"))
        .contains("organizationalUnits").contains("excludeAccounts");
    assertThat(kube.kubectl("explain", "awsorganization.spec.callAs")).contains("DELEGATED_ADMIN");
    assertThat(kube.kubectl("explain", "stageaccount.status.boundary.state")).contains("CURRENT");
  }
}
