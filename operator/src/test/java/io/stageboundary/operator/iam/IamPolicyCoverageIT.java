package io.stageboundary.operator.iam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stageboundary.testenv.PeerLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The IAM policies in docs/iam are exactly what the operator needs: every AWS call the end-to-end
 * suite saw the operator make (recorded by AwsCallRecorder, per identity) is allowed by the policy
 * of that identity, every permission CloudFormation needs on the member role's behalf to create or
 * update the pinned CDK bootstrap stack (from the resource providers' declared handler permissions,
 * as shipped in cfn-lint) is allowed too, and nothing else is. Each policy fits IAM's size limits.
 */
class IamPolicyCoverageIT {
  private static final PeerLayout LAYOUT = PeerLayout.discover();
  private static final Path IAM = LAYOUT.repoRoot().resolve("docs/iam");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Calls IAM does not authorise. */
  private static final Set<String> NEED_NO_PERMISSION = Set.of("sts:GetCallerIdentity");
  /**
   * Handler permissions of the bootstrap template's resource types for features the template does
   * not use: CloudFormation calls them only when those properties are set.
   */
  private static final Map<Pattern, String> NOT_USED_BY_THE_TEMPLATE = Map.of(
      Pattern.compile("iam:\\w*(User|Group)\\w*"), "AWS::IAM::Policy attaches to users and groups; the template attaches to roles only",
      Pattern.compile("s3tables:\\w+"), "S3 Tables (bucket metadata tables) are not configured by the template",
      Pattern.compile("s3:\\w*MetadataTableConfiguration|s3:UpdateBucketMetadata\\w*"), "bucket metadata tables are not configured by the template");

  /**
   * Permissions a call needs besides its own action: CreatePolicy with tags needs TagResource
   * (organizations/latest/APIReference/API_CreatePolicy.html).
   */
  private static final Map<String, String> ALSO_NEEDED = Map.of("organizations:CreatePolicy", "organizations:TagResource");

  private static Map<String, Set<String>> calls;

  @BeforeAll
  static void read() throws IOException {
    // one file per test JVM (aws-calls-<fork>.txt), written by AwsCallRecorder when that JVM's tests end
    Path dir = Path.of(System.getProperty("sbo.aws-calls.recorded", "target"));
    List<Path> recorded;
    try (var files = Files.list(dir)) {
      recorded = files.filter(f -> f.getFileName().toString().matches("aws-calls-\\d+\\.txt")).sorted().toList();
    }
    assertThat(recorded).as("the AWS calls of the test run in %s", dir).isNotEmpty();
    List<String> lines = new java.util.ArrayList<>();
    for (Path f : recorded) {
      lines.addAll(Files.readAllLines(f));
    }
    Set<String> ran = new TreeSet<>();
    calls = new TreeMap<>();
    for (String line : lines) {
      if (line.startsWith("class ")) {
        ran.add(line.substring(6));
      } else if (line.startsWith("call ")) {
        String[] p = line.substring(5).split(" ");
        String service = p[1].substring(0, p[1].indexOf(':')).toLowerCase(Locale.ROOT);
        String action = service + p[1].substring(p[1].indexOf(':'));
        if (!NEED_NO_PERMISSION.contains(action)) {
          calls.computeIfAbsent(p[0], k -> new TreeSet<>()).add(action);
        }
      }
    }
    Set<String> suite = endToEndClasses();
    assumeTrue(ran.containsAll(suite), "the recorded run did not include every end-to-end test; missing "
        + suite.stream().filter(c -> !ran.contains(c)).toList() + " (run the whole suite)");
  }

  private static Set<String> endToEndClasses() throws IOException {
    Path classes = Path.of("target/test-classes");
    Set<String> out = new TreeSet<>();
    for (String pkg : List.of("e2e", "packaging")) {
      Path dir = classes.resolve("io/stageboundary/operator").resolve(pkg);
      try (Stream<Path> s = Files.list(dir)) {
        s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("Test.class"))
            .forEach(n -> out.add("io.stageboundary.operator." + pkg + "." + n.replace(".class", "")));
      }
    }
    return out;
  }

  /** Allowed actions of a policy document, as written (wildcards kept). */
  private static Set<String> actions(JsonNode policy) {
    Set<String> out = new TreeSet<>();
    for (JsonNode st : policy.path("Statement")) {
      assertThat(st.path("Effect").asText()).isEqualTo("Allow");
      JsonNode a = st.path("Action");
      if (a.isTextual()) {
        out.add(a.asText());
      } else {
        a.forEach(x -> out.add(x.asText()));
      }
    }
    return out;
  }

  private static boolean allows(Set<String> patterns, String action) {
    return patterns.stream().anyMatch(p -> action.toLowerCase(Locale.ROOT)
        .matches(p.toLowerCase(Locale.ROOT).replace("*", "[a-z0-9]*")));
  }

  private static JsonNode policy(String name) throws IOException {
    JsonNode p = JSON.readTree(IAM.resolve(name).toFile());
    assertThat(p.path("Version").asText()).as(name).isEqualTo("2012-10-17");
    Set<String> sids = new TreeSet<>();
    p.path("Statement").forEach(s -> assertThat(sids.add(s.path("Sid").asText())).as("%s: unique Sid %s", name, s.path("Sid")).isTrue());
    return p;
  }

  private static void exactly(String file, Set<String> needed) throws IOException {
    Set<String> documented = actions(policy(file));
    for (String n : needed) {
      assertThat(allows(documented, n)).as("%s must allow %s, which the operator calls", file, n).isTrue();
    }
    for (String d : documented) {
      assertThat(needed.stream().anyMatch(n -> allows(Set.of(d), n)))
          .as("%s allows %s, which nothing the operator does needs", file, d).isTrue();
    }
  }

  @Test
  void theOperatorPolicyAllowsExactlyWhatTheOperatorCalls() throws IOException {
    assertThat(calls.get("operator")).isNotEmpty();
    exactly("operator-policy.json", withAlsoNeeded(calls.get("operator")));
  }

  @Test
  void theDelegationPolicyGrantsExactlyTheServiceControlPolicyCallsTheOperatorMakes() throws IOException {
    Set<String> scpCalls = new TreeSet<>(withAlsoNeeded(calls.get("operator")));
    scpCalls.retainAll(Set.copyOf(io.stageboundary.operator.policy.DelegationPolicy.SCP_ACTIONS));
    assertThat(scpCalls).as("the guardrail tests exercise every SCP call")
        .containsExactlyInAnyOrderElementsOf(io.stageboundary.operator.policy.DelegationPolicy.SCP_ACTIONS);
    exactly("delegation-policy.json", scpCalls);
  }

  private static Set<String> withAlsoNeeded(Set<String> called) {
    Set<String> out = new TreeSet<>(called);
    called.forEach(c -> {
      if (ALSO_NEEDED.containsKey(c)) {
        out.add(ALSO_NEEDED.get(c));
      }
    });
    return out;
  }

  @Test
  void thePodRolePolicyOnlyAssumesTheOperatorRole() throws IOException {
    exactly("pod-role-policy.json", calls.get("base"));
    assertThat(calls.get("base")).containsExactly("sts:AssumeRole");
  }

  @Test
  void theMemberRolePolicyAllowsTheCallsAndWhatCloudFormationNeedsForTheBootstrapStack() throws IOException {
    Set<String> needed = new TreeSet<>(calls.get("member"));
    Set<String> template = bootstrapTemplatePermissions();
    assertThat(template).contains("iam:CreateRole", "iam:PutRolePermissionsBoundary", "s3:CreateBucket",
        "ecr:CreateRepository", "ssm:PutParameter", "kms:CreateKey");
    needed.addAll(template);
    exactly("member-role-policy.json", needed);
  }

  @Test
  void policiesFitIamLimits() throws IOException {
    // customer managed policies: 6,144 characters without whitespace; role trust policies: 2,048
    for (String f : List.of("operator-policy.json", "member-role-policy.json", "pod-role-policy.json",
        "delegation-policy.json")) {
      assertThat(Files.readString(IAM.resolve(f)).replaceAll("\\s", "").length()).as(f).isLessThanOrEqualTo(6144);
    }
    for (String f : List.of("member-role-trust-policy.json", "operator-role-trust-policy.json", "pod-role-trust-policy.json")) {
      policy(f);
      assertThat(Files.readString(IAM.resolve(f)).replaceAll("\\s", "").length()).as(f).isLessThanOrEqualTo(2048);
    }
  }

  /** create/read/update/delete handler permissions of every resource type in the pinned template. */
  private static Set<String> bootstrapTemplatePermissions() throws IOException {
    String template = Files.readString(LAYOUT.cdkPackageDir().resolve("lib/api/bootstrap/bootstrap-template.yaml"));
    Set<String> types = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\s+Type:\\s+(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)\\s*$").matcher(template);
    while (m.find()) {
      types.add(m.group(1));
    }
    assertThat(types).contains("AWS::IAM::Role", "AWS::S3::Bucket");
    Path schemas = cfnLintSchemas();
    JsonNode index = JSON.readTree(schemas.resolve("providers/us-east-1.json").toFile());
    Set<String> out = new TreeSet<>();
    for (String type : types) {
      JsonNode schema = JSON.readTree(schemas.resolve("resources/" + index.path(type).asText() + ".json").toFile());
      for (String handler : List.of("create", "read", "update", "delete")) {
        schema.path("handlers").path(handler).path("permissions").forEach(p -> out.add(p.asText()));
      }
    }
    out.removeIf(a -> NOT_USED_BY_THE_TEMPLATE.keySet().stream().anyMatch(p -> p.matcher(a).matches()));
    return out;
  }

  private static Path cfnLintSchemas() throws IOException {
    Path venv = LAYOUT.motoPython().getParent().getParent();
    List<Path> found = new ArrayList<>();
    try (Stream<Path> s = Files.find(venv.resolve("lib"), 7, (p, a) -> p.endsWith("cfnlint/data/schemas"))) {
      s.forEach(found::add);
    }
    assertThat(found).as("cfn-lint's resource schemas in the emulator venv").hasSize(1);
    return found.get(0);
  }
}
