package io.stageboundary.testenv;

import static io.stageboundary.testenv.StackSetTestSupport.await;
import static io.stageboundary.testenv.StackSetTestSupport.defaultDocument;
import static io.stageboundary.testenv.StackSetTestSupport.policyTemplate;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.OperationInProgressException;
import software.amazon.awssdk.services.cloudformation.model.PermissionModels;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationStatus;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * The emulator as several worker processes (emulator/sbo_emulator/cluster.py): each account's state
 * lives in one worker, so writes to it are serialised there however many clients call at once,
 * and what one worker asks of another (StackSet instances, the caller of an AssumeRole) is as if
 * one process answered. The other contract tests run on the same workers and cover each behaviour;
 * these cases are about concurrency and the seams between workers.
 */
@PeersExtension.WithPeers
class EmulatorWorkersContractTest {
  private static final int THREADS = 8;

  private final AwsClients aws;
  private final SeededOrganization org;
  private final EmulatorAdmin admin;
  private ExecutorService pool;

  EmulatorWorkersContractTest(AwsClients aws, SeededOrganization org, EmulatorAdmin admin) {
    this.aws = aws;
    this.org = org;
    this.admin = admin;
  }

  @BeforeEach
  void start() {
    pool = Executors.newFixedThreadPool(THREADS);
    admin.setOperationTiming(0.2, 0);
  }

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
  }

  /** Runs every task at once (released together), and returns their results in order. */
  private <T> List<T> together(List<Callable<T>> tasks) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (Callable<T> task : tasks) {
      futures.add(pool.submit(() -> {
        go.await();
        return task.call();
      }));
    }
    go.countDown();
    List<T> out = new ArrayList<>();
    for (Future<T> f : futures) {
      out.add(f.get(120, TimeUnit.SECONDS));
    }
    return out;
  }

  /** Accounts of the seeded organisation that are held by different workers (ids odd and even). */
  private List<String> accountsOnEveryWorker() {
    List<String> accounts = new ArrayList<>();
    for (String name : List.of("prod-payments", "prod-search", "dev-payments", "dev-search")) {
      accounts.add(org.account(name));
    }
    assertThat(accounts.stream().map(a -> Long.parseLong(a) % admin.workers()).distinct())
        .as("the accounts are spread over the workers").hasSize(Math.min(admin.workers(), accounts.size()));
    return accounts;
  }

  @Test
  void theEmulatorRunsSeveralWorkers() {
    assertThat(admin.workers()).as("tests run on the workers the benchmark uses").isGreaterThanOrEqualTo(2);
  }

  /** SSM numbers a parameter's versions one by one: a lost update would show as a gap or a repeat. */
  @Test
  void concurrentWritesToOneAccountAreSerialised() throws Exception {
    for (String account : accountsOnEveryWorker()) {
      AwsClients in = aws.inAccount(account);
      try (SsmClient ssm = in.ssm(AwsEmulator.REGION)) {
        ssm.putParameter(r -> r.name("/contract/counter").value("0").type(ParameterType.STRING));
        List<Long> versions = together(IntStream.range(0, 40).<Callable<Long>>mapToObj(i -> () ->
            ssm.putParameter(r -> r.name("/contract/counter").value(String.valueOf(i)).overwrite(true))
                .version()).toList());
        assertThat(versions).as("in %s", account).doesNotHaveDuplicates().hasSize(40)
            .allSatisfy(v -> assertThat(v).isBetween(2L, 41L));
        assertThat(ssm.getParameter(r -> r.name("/contract/counter")).parameter().version()).isEqualTo(41L);
      }
    }
  }

  /** Roles made in many accounts at once, from many threads, are each in their account and only there. */
  @Test
  void concurrentWritesToManyAccountsLandEachInItsAccount() throws Exception {
    List<String> accounts = accountsOnEveryWorker();
    Set<String> made = ConcurrentHashMap.newKeySet();
    together(IntStream.range(0, 48).<Callable<Void>>mapToObj(i -> () -> {
      String account = accounts.get(i % accounts.size());
      try (IamClient iam = aws.inAccount(account).iam()) {
        String name = "contract-" + i;
        iam.createRole(r -> r.roleName(name).assumeRolePolicyDocument(
            "{\"Version\":\"2012-10-17\",\"Statement\":[]}"));
        made.add(account + "/" + name);
      }
      return null;
    }).toList());
    assertThat(made).hasSize(48);
    for (String account : accounts) {
      try (IamClient iam = aws.inAccount(account).iam()) {
        List<String> names = iam.listRolesPaginator(r -> r.pathPrefix("/")).roles().stream()
            .map(Role::roleName).filter(n -> n.startsWith("contract-")).toList();
        assertThat(names).as("roles in %s", account).hasSize(12)
            .allSatisfy(n -> assertThat(made).contains(account + "/" + n));
        assertThat(iam.getRole(r -> r.roleName(names.get(0))).role().arn()).startsWith("arn:aws:iam::" + account + ":");
      }
    }
  }

  /**
   * Many clients updating one StackSet at once start exactly one operation (the rest are told
   * another is in progress), and its instances, in accounts of every worker, all get the update.
   */
  @Test
  void concurrentStackSetWritesStartOneOperationWhoseInstancesReachEveryWorker() throws Exception {
    CloudFormationClient cfn = aws.assumeRole(org.operatorRoleArn()).cloudFormation();
    String ss = "ss-workers";
    cfn.createStackSet(r -> r.stackSetName(ss).callAs(CallAs.DELEGATED_ADMIN)
        .permissionModel(PermissionModels.SERVICE_MANAGED)
        .autoDeployment(a -> a.enabled(false).retainStacksOnAccountRemoval(false))
        .capabilities(Capability.CAPABILITY_NAMED_IAM)
        .templateBody(policyTemplate("workers-boundary", "[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]")));
    String created = cfn.createStackInstances(r -> r.stackSetName(ss).callAs(CallAs.DELEGATED_ADMIN)
        .deploymentTargets(t -> t.organizationalUnitIds(org.rootId())).regions(AwsEmulator.REGION)
        .operationPreferences(p -> p.maxConcurrentPercentage(100).failureTolerancePercentage(100))).operationId();
    assertThat(await(cfn, ss, created, CallAs.DELEGATED_ADMIN).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);

    List<String> outcomes = together(IntStream.range(0, THREADS).<Callable<String>>mapToObj(i -> () -> {
      try {
        return cfn.updateStackSet(r -> r.stackSetName(ss).callAs(CallAs.DELEGATED_ADMIN)
            .capabilities(Capability.CAPABILITY_NAMED_IAM)
            .operationPreferences(p -> p.maxConcurrentPercentage(100).failureTolerancePercentage(100))
            .templateBody(policyTemplate("workers-boundary", "[{\"Sid\":\"Writer" + i
                + "\",\"Effect\":\"Deny\",\"Action\":\"config:*\",\"Resource\":\"*\"}]"))).operationId();
      } catch (OperationInProgressException e) {
        return "busy";
      }
    }).toList());
    List<String> started = outcomes.stream().filter(o -> !o.equals("busy")).toList();
    assertThat(started).as("one operation at a time per StackSet").hasSize(1);
    assertThat(await(cfn, ss, started.get(0), CallAs.DELEGATED_ADMIN).status()).isEqualTo(StackSetOperationStatus.SUCCEEDED);
    String sid = cfn.describeStackSet(r -> r.stackSetName(ss).callAs(CallAs.DELEGATED_ADMIN)).stackSet().templateBody()
        .replaceAll("(?s).*\"Sid\":\"(Writer\\d+)\".*", "$1");
    for (String account : accountsOnEveryWorker()) {
      try (IamClient iam = aws.inAccount(account).iam()) {
        assertThat(defaultDocument(iam, "arn:aws:iam::" + account + ":policy/workers-boundary"))
            .as("the update reached %s", account).contains(sid);
      }
    }
    cfn.close();
  }

  /** The call log, kept by the front, has every call exactly once, whichever worker answered it. */
  @Test
  void everyCallIsLoggedOnce() throws Exception {
    List<String> accounts = accountsOnEveryWorker();
    admin.clearCalls();
    together(IntStream.range(0, 40).<Callable<Void>>mapToObj(i -> () -> {
      try (IamClient iam = aws.inAccount(accounts.get(i % accounts.size())).iam()) {
        iam.listRoles();
      }
      return null;
    }).toList());
    List<EmulatorAdmin.Call> calls = admin.calls().stream().filter(c -> "ListRoles".equals(c.action())).toList();
    assertThat(calls).hasSize(40);
    for (String account : accounts) {
      assertThat(calls).filteredOn(c -> account.equals(c.account())).hasSize(10);
    }
  }
}
