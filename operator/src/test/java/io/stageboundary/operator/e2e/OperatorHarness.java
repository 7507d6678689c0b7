package io.stageboundary.operator.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.stageboundary.operator.app.StageBoundaryOperator;
import io.stageboundary.operator.api.v1alpha1.Condition;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.rules.BoundaryRules;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.app.OperatorSettings;
import io.stageboundary.operator.aws.sdk.SdkConnector;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.Peers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import java.util.stream.Stream;

/**
 * The operator running in the test JVM against the real peers, with fast timings. Installs the
 * committed CRDs (the same files users apply), and on close deletes every object it knows of so
 * the next test class starts from an empty cluster.
 */
public final class OperatorHarness implements AutoCloseable {
  public static final Path REPO = Path.of(System.getProperty("sbo.repo.root", "..")).toAbsolutePath().normalize();

  private final Peers peers;
  private final KubernetesClient client;
  private StageBoundaryOperator operator;

  private OperatorHarness(Peers peers) {
    this.peers = peers;
    this.client = peers.kubeClient();
  }

  public static OperatorHarness start(Peers peers) {
    TestLogging.install();
    // A test polls objects the operator is still writing: a status not written yet (null) is
    // "not yet", as a failed assertion is, so an exception inside an await is retried until the
    // timeout, which then reports it as the cause.
    Awaitility.ignoreExceptionsByDefault();
    OperatorHarness h = new OperatorHarness(peers);
    h.installCrds();
    h.startOperator();
    return h;
  }

  /**
   * The usual start of a test class about CDK bootstrap: the named accounts of the seeded
   * organisation bootstrapped in {@code region} by the real CDK CLI (as teams have them), fast
   * StackSet operations, the operator started, the sample AwsOrganization applied.
   */
  public static OperatorHarness startWithBootstrapped(Peers peers, String region, String... accountNames) {
    peers.emulator().setOperationTiming(0.2, 0);
    bootstrapWithCdk(peers, region, accountNames);
    OperatorHarness h = start(peers);
    h.applySample("organization.yaml");
    return h;
  }

  /**
   * The real {@code cdk bootstrap} in each named account, as its teams would have run it: a few
   * accounts at once (each CLI is a process of its own, with the account's credentials), since one
   * after another they were most of some test classes' time.
   */
  public static void bootstrapWithCdk(Peers peers, String region, String... accountNames) {
    bootstrapWithCdk(peers, region, java.util.Arrays.stream(accountNames).map(peers.organization()::account).toList());
  }

  /** The same for account ids, each bootstrapped with {@code args} (e.g. --trust). */
  public static void bootstrapWithCdk(Peers peers, String region, List<String> accountIds, String... args) {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
        Math.max(1, Math.min(3, accountIds.size())));
    try {
      List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
      for (String a : accountIds) {
        running.add(pool.submit(() -> peers.cdk().bootstrap(a, region, args).orThrow()));
      }
      for (java.util.concurrent.Future<?> f : running) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  public static OperatorSettings settings(Peers peers) {
    return OperatorSettings.defaults()
        .withPollInterval(Duration.ofMillis(300))
        .withRetryDelay(Duration.ofSeconds(2))
        .withAws(new SdkConnector.Defaults(() -> peers.awsClients().credentials(),
            java.util.Optional.of(peers.aws().endpoint()), 8, io.stageboundary.operator.aws.sdk.CallRates.standard(),
            Duration.ofSeconds(3)));
  }

  public void startOperator() {
    startOperator(settings(peers));
  }

  public void startOperator(OperatorSettings settings) {
    operator = StageBoundaryOperator.start(client, settings, null);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(operator::healthy);
  }

  public void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  public KubernetesClient client() {
    return client;
  }

  void installCrds() {
    installCrds(client);
  }

  /** Applies the committed CRDs (crds/) and waits until the API server serves them. */
  public static void installCrds(KubernetesClient client) {
    try (Stream<Path> files = Files.list(REPO.resolve("crds"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
            .load(f.toFile()).item();
        client.resource(crd).forceConflicts().serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
            .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                && c.getStatus().getConditions().stream()
                .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                30, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Applies a sample from samples/ with server-side apply, as a user would: the shared rules it
   * includes first (samples/boundary-rules.yaml), and for a stage with {@code approval: Manual}
   * (prod) the person who approves its plans from then on ({@link #approvePlansOf}).
   */
  public List<HasMetadata> applySample(String file) {
    String yaml = read("samples/" + file);
    if (yaml.contains("include:")) {
      apply(read("samples/boundary-rules.yaml"));
    }
    List<HasMetadata> applied = apply(yaml);
    if (yaml.contains("approval: Manual")) {
      applied.stream().filter(o -> o instanceof Stage || "Stage".equals(o.getKind()))
          .forEach(o -> approvePlansOf(o.getMetadata().getName()));
    }
    return applied;
  }

  private final java.util.Set<String> approving = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private java.util.concurrent.ScheduledExecutorService approver;

  /**
   * From now on, approves every plan the Stage posts (spec.rollout.approval: Manual) with the
   * annotation, as the person responsible for it would: for tests about what happens after approval.
   */
  public synchronized void approvePlansOf(String stage) {
    approving.add(stage);
    if (approver == null) {
      approver = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-approver");
        t.setDaemon(true);
        return t;
      });
      approver.scheduleWithFixedDelay(this::approveWaitingPlans, 200, 200, TimeUnit.MILLISECONDS);
    }
  }

  private void approveWaitingPlans() {
    for (String name : approving) {
      try {
        Stage s = stage(name);
        if (s == null || s.getStatus() == null || s.getStatus().plan() == null) {
          continue;
        }
        String id = s.getStatus().plan().id();
        Map<String, String> annotations = s.getMetadata().getAnnotations();
        if (annotations == null || !id.equals(annotations.get("iam.stageboundary.io/approve"))) {
          Map<String, String> next = new java.util.HashMap<>(annotations == null ? Map.of() : annotations);
          next.put("iam.stageboundary.io/approve", id);
          s.getMetadata().setAnnotations(next);
          s.getMetadata().setManagedFields(null);
          client.resource(s).update();  // refused on a conflict; the next round tries again
        }
      } catch (RuntimeException | Error e) {
        System.out.println("test-approver: " + name + ": " + e);  // the next round tries again
      }
    }
  }

  /** A file of the repository, e.g. samples/stage-dev.yaml. */
  public static String read(String path) {
    try {
      return Files.readString(REPO.resolve(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<HasMetadata> apply(String yaml) {
    List<HasMetadata> items = client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    return items.stream().map(i -> client.resource(i).fieldManager("kubectl").forceConflicts()
        .serverSideApply()).toList();
  }

  /**
   * The boundary a Stage renders: its included rules (at the revisions its status names, from the
   * BoundaryRules' status) and then its own statements, as the operator merges them.
   */
  public io.stageboundary.operator.api.v1alpha1.stage.StageSpec.Boundary renderedBoundary(Stage stage) {
    var own = stage.getSpec().boundary();
    List<io.stageboundary.operator.api.v1alpha1.stage.StageSpec.Statement> all = new java.util.ArrayList<>();
    if (stage.getStatus() != null && stage.getStatus().includes() != null) {
      for (var included : stage.getStatus().includes()) {
        BoundaryRules rules = client.resources(BoundaryRules.class).withName(included.name()).get();
        rules.getStatus().revisions().stream().filter(r -> r.revision().equals(included.revision())).findFirst()
            .ifPresent(r -> all.addAll(r.statements()));
      }
    }
    if (own.statements() != null) {
      all.addAll(own.statements());
    }
    return new io.stageboundary.operator.api.v1alpha1.stage.StageSpec.Boundary(own.policyName(), all,
        own.allowedActions(), own.include());
  }

  public Stage stage(String name) {
    return client.resources(Stage.class).withName(name).get();
  }

  public AwsOrganization organization(String name) {
    return client.resources(AwsOrganization.class).withName(name).get();
  }

  /** The status of a stage's StageAccount for {@code accountId}; null while there is none (or no status yet). */
  public io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus accountStatus(String stage,
      String accountId) {
    StageAccount a = client.resources(StageAccount.class).withName(stage + "." + accountId).get();
    return a == null ? null : a.getStatus();
  }

  public List<StageAccount> stageAccounts(String stage) {
    return client.resources(StageAccount.class).withLabel("iam.stageboundary.io/stage", stage).list().getItems();
  }

  public static Optional<Condition> condition(Stage s, String type) {
    if (s == null || s.getStatus() == null || s.getStatus().conditions() == null) {
      return Optional.empty();
    }
    return s.getStatus().conditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** A StackSet operation that changes something (not drift detection) is RUNNING for the stage. */
  public static boolean operationRunning(Stage s) {
    return s != null && s.getStatus() != null && s.getStatus().stackSet() != null
        && s.getStatus().stackSet().lastOperation() != null
        && "RUNNING".equals(s.getStatus().stackSet().lastOperation().status())
        && !"DETECT_DRIFT".equals(s.getStatus().stackSet().lastOperation().action());
  }

  public static boolean is(Stage s, String type, String status) {
    return condition(s, type).map(c -> status.equals(c.getStatus())
        && c.getObservedGeneration() != null
        && c.getObservedGeneration().equals(s.getMetadata().getGeneration())).orElse(false);
  }

  public Stage awaitCondition(String stage, String type, String status, Duration timeout) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> {
          Stage s = stage(stage);
          if (!is(s, type, status)) {
            throw new AssertionError("stage " + stage + " " + type + " is not " + status + ": "
                + (s == null || s.getStatus() == null ? "no status" : s.getStatus().conditions()));
          }
        });
    return stage(stage);
  }

  public Stage awaitReady(String stage) {
    return awaitCondition(stage, "Ready", "True", Duration.ofSeconds(60));
  }

  public AwsClients aws() {
    return peers.awsClients();
  }

  /** The CDKToolkit stack's parameters in an account and region, as CloudFormation shows them. */
  public Map<String, String> bootstrapParameters(String account, String region) {
    try (CloudFormationClient cfn = aws().inAccount(account).cloudFormation(region)) {
      return cfn.describeStacks(r -> r.stackName("CDKToolkit")).stacks().get(0).parameters().stream()
          .collect(Collectors.toMap(Parameter::parameterKey, p -> p.parameterValue() == null ? "" : p.parameterValue(),
              (a, b) -> a, TreeMap::new));
    }
  }

  /**
   * IAM's decision (allowed, explicitDeny, implicitDeny) for the account's CDK execution role (the
   * default qualifier) doing {@code action}: what the boundary lets a CDK deployment do there.
   */
  public String execRoleDecision(String account, String region, String action) {
    String exec = "arn:aws:iam::" + account + ":role/cdk-hnb659fds-cfn-exec-role-" + account + "-" + region;
    try (var iam = aws().inAccount(account).iam()) {
      return iam.simulatePrincipalPolicy(r -> r.policySourceArn(exec).actionNames(action)).evaluationResults().get(0)
          .evalDecisionAsString();
    }
  }

  /** Every AWS write the emulator answered since the call log was cleared. */
  public int awsWrites() {
    return peers.emulator().totalWrites();
  }

  /** CloudFormation stack writes (UpdateStack, CreateStack) in an account since the call log was cleared. */
  public long stackWrites(String account) {
    return peers.emulator().calls().stream().filter(c -> account.equals(c.account())
        && "cloudformation".equals(c.service()) && ("UpdateStack".equals(c.action()) || "CreateStack".equals(c.action())))
        .count();
  }

  /** Deletes every Stage and AwsOrganization, lets the operator run their finalizers, stops it. */
  @Override
  public void close() {
    try {
      client.resources(Stage.class).delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> client.resources(Stage.class).list().getItems().isEmpty());
      client.resources(AwsOrganization.class).delete();
      client.resources(BoundaryRules.class).delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> client.resources(AwsOrganization.class).list().getItems().isEmpty()
          && client.resources(BoundaryRules.class).list().getItems().isEmpty());
    } catch (RuntimeException e) {
      forceRemoveEverything();
    } finally {
      if (approver != null) {
        approver.shutdownNow();
      }
      stopOperator();
      client.resources(StageAccount.class).delete();
    }
  }

  private void forceRemoveEverything() {
    for (Stage s : client.resources(Stage.class).list().getItems()) {
      client.resources(Stage.class).withName(s.getMetadata().getName())
          .edit(x -> { x.getMetadata().setFinalizers(List.of()); return x; });
    }
    for (AwsOrganization o : client.resources(AwsOrganization.class).list().getItems()) {
      client.resources(AwsOrganization.class).withName(o.getMetadata().getName())
          .edit(x -> { x.getMetadata().setFinalizers(List.of()); return x; });
    }
    for (BoundaryRules r : client.resources(BoundaryRules.class).list().getItems()) {
      client.resources(BoundaryRules.class).withName(r.getMetadata().getName())
          .edit(x -> { x.getMetadata().setFinalizers(List.of()); return x; });
    }
  }
}
