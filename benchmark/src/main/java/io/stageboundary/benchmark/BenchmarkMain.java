package io.stageboundary.benchmark;

import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.OrganizationSeeder;
import io.stageboundary.testenv.PeerLayout;
import io.stageboundary.testenv.Peers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * hack/benchmark.sh: for each size, fresh peers, an organisation of 3 stages × N accounts in nested
 * OUs, the packaged operator applying dev/beta/prod in 2 regions; measures apply → all Ready, AWS
 * calls, a no-op resync, CPU and memory. In the largest run, before the operator starts, the real
 * CDK CLI bootstraps a subset of accounts one (account, region) at a time as the baseline.
 */
public final class BenchmarkMain {
  static final List<String> REGIONS = List.of("us-east-1", "eu-west-1");
  /**
   * The emulator's worker processes unless --emulator-workers says otherwise: one more than the
   * machine has cores (on 2 cores, 3 workers answered 431 calls/s, 2 answered 343, 1 answered 258).
   */
  static final int DEFAULT_EMULATOR_WORKERS = Runtime.getRuntime().availableProcessors() + 1;

  private BenchmarkMain() {}

  /**
   * @param stackSeconds how long the emulator keeps a stack *_IN_PROGRESS (0: instantly done)
   * @param instanceSeconds how long each round of StackSet instances takes
   * @param parallelBaselineAccounts accounts the CLI bootstraps 20 at a time in the largest run (0: not measured)
   */
  record Settings(List<Integer> perStage, int baselineAccounts, int memoryLimitMiB, String javaOptions,
      String pollInterval, double operationSeconds, double stackSeconds, double instanceSeconds,
      int parallelBaselineAccounts, int emulatorWorkers, double restMinutes, Path workDir, Path docs, Path operatorJar,
      Path javaHome) {

    List<String> jvmOptions() {
      return OperatorUnderTest.jvmOptions(memoryLimitMiB, javaOptions);
    }

    static Settings parse(String[] args, Path repoRoot) {
      List<Integer> sizes = List.of(200);
      int baseline = 5;
      int memory = 512;
      String javaOptions = OperatorUnderTest.imageJavaOptions(repoRoot);
      String poll = "1s";
      double opSeconds = 1.0;
      double stackSeconds = 0;
      double instanceSeconds = 0;
      int parallel = 0;
      int workers = DEFAULT_EMULATOR_WORKERS;
      double rest = 0;
      Path docs = repoRoot.resolve("docs/benchmarks.md");
      Path javaHome = Path.of(System.getProperty("java.home"));
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : (i + 1 < args.length ? args[i + 1] : null);
        if (!a.contains("=") && !a.equals("--no-docs") && !a.equals("--help")) {
          i++;
        }
        switch (a.contains("=") ? a.substring(0, a.indexOf('=')) : a) {
          case "--accounts" -> sizes = java.util.Arrays.stream(value.split(",")).map(String::trim)
              .map(Integer::parseInt).sorted().toList();
          case "--baseline-accounts" -> baseline = Integer.parseInt(value);
          case "--memory-limit" -> memory = Integer.parseInt(value);
          case "--java-options" -> javaOptions = value;
          case "--poll-interval" -> poll = value;
          case "--operation-seconds" -> opSeconds = Double.parseDouble(value);
          case "--stack-seconds" -> stackSeconds = Double.parseDouble(value);
          case "--instance-seconds" -> instanceSeconds = Double.parseDouble(value);
          case "--parallel-baseline-accounts" -> parallel = Integer.parseInt(value);
          case "--emulator-workers" -> workers = Integer.parseInt(value);
          case "--rest-minutes" -> rest = Double.parseDouble(value);
          case "--docs" -> docs = Path.of(value).toAbsolutePath();
          case "--java-home" -> javaHome = Path.of(value).toAbsolutePath();
          case "--no-docs" -> docs = null;
          case "--help" -> throw new IllegalArgumentException("");
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (baseline < 1) {
        throw new IllegalArgumentException("--baseline-accounts must be at least 1");
      }
      if (workers < 1) {
        throw new IllegalArgumentException("--emulator-workers must be at least 1");
      }
      if (rest < 0) {
        throw new IllegalArgumentException("--rest-minutes must not be negative");
      }
      return new Settings(sizes, baseline, memory, javaOptions, poll, opSeconds, stackSeconds, instanceSeconds, parallel,
          workers, rest, repoRoot.resolve("target/benchmark"), docs,
          repoRoot.resolve("operator/target/quarkus-app/quarkus-run.jar"), javaHome);
    }
  }

  /** The usage text; hack/benchmark.sh prints the same file for --help before setting anything up. */
  static final String USAGE = usage();

  private static String usage() {
    try (var in = BenchmarkMain.class.getResourceAsStream("/usage.txt")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException | NullPointerException e) {
      throw new IllegalStateException("usage.txt is missing from the benchmark's classpath", e);
    }
  }

  public static void main(String[] args) throws Exception {
    PeerLayout layout = PeerLayout.discover();
    Settings settings;
    try {
      settings = Settings.parse(args, layout.repoRoot());
    } catch (IllegalArgumentException e) {
      System.err.println((e.getMessage().isEmpty() ? "" : "error: " + e.getMessage() + "\n") + USAGE);
      System.exit(2);
      return;
    }
    Files.createDirectories(settings.workDir());
    List<EmulatorThroughput> throughput = throughput(layout, settings, Duration.ofSeconds(20), 50);
    List<Run> runs = new ArrayList<>();
    Baseline baseline = null;
    int largest = settings.perStage().get(settings.perStage().size() - 1);
    for (int n : settings.perStage()) {
      boolean withBaseline = n == largest;
      Measured m = measure(layout, settings, n, withBaseline);
      runs.add(m.run());
      if (withBaseline) {
        baseline = m.baseline();
      }
    }
    Report report = new Report(settings, layout, runs, baseline, throughput);
    String section = report.markdown();
    System.out.println();
    System.out.println(section);
    if (settings.docs() != null) {
      report.writeInto(settings.docs());
      System.out.println("Written into " + layout.repoRoot().relativize(settings.docs()) + ".");
    }
  }

  record Measured(Run run, Baseline baseline) {}

  /** The emulator's own calls a second, with one worker and with the run's workers (before the runs, alone on the machine). */
  static List<EmulatorThroughput> throughput(PeerLayout layout, Settings settings, Duration each, int perStage)
      throws InterruptedException {
    List<EmulatorThroughput> out = new ArrayList<>();
    for (int workers : settings.emulatorWorkers() == 1 ? List.of(1) : List.of(1, settings.emulatorWorkers())) {
      EmulatorThroughput t = EmulatorThroughput.measure(layout, settings.workDir(), workers, perStage, 32, each);
      progress("emulator with %d worker(s): %.0f calls/s (%d client threads, %d accounts)", workers,
          t.callsPerSecond(), t.threads(), t.accounts());
      out.add(t);
    }
    return out;
  }

  static Measured measure(PeerLayout layout, Settings settings, int perStage, boolean withBaseline)
      throws IOException, InterruptedException {
    Path dir = settings.workDir().resolve("n" + perStage);
    deleteTree(dir);
    Files.createDirectories(dir);
    progress("%d accounts per stage: starting kube-apiserver + etcd and the AWS emulator (%d workers)", perStage,
        settings.emulatorWorkers());
    try (Peers peers = Peers.start(dir.resolve("peers"), false, settings.emulatorWorkers())) {
      EmulatorAdmin emulator = peers.emulator();
      ScaleOrganization org = ScaleOrganization.of(perStage,
          withBaseline ? settings.baselineAccounts() + settings.parallelBaselineAccounts() : 0);
      long seedStart = System.nanoTime();
      OrganizationSeeder.seed(emulator, peers.awsClients(), layout.repoRoot().resolve("docs/iam"), org.ous(),
          org.accounts());
      double seedSeconds = seconds(seedStart);
      progress("seeded %d OUs and %d accounts in %.0f s", org.ous().size(), org.accounts().size(), seedSeconds);
      emulator.setOperationTiming(settings.operationSeconds(), settings.instanceSeconds());
      emulator.setStackSeconds(settings.stackSeconds());
      peers.kube().kubectl("apply", "--server-side", "-f", layout.repoRoot().resolve("crds").toString());
      for (String crd : List.of("stages", "awsorganizations", "stageaccounts", "boundaryrules")) {
        peers.awaitCrdEstablished(crd + ".iam.stageboundary.io");
      }

      Baseline baseline = withBaseline ? Baseline.measure(peers, org, settings.baselineAccounts()) : null;

      emulator.clearCalls();
      Path log = dir.resolve("operator.log");
      Run run;
      try (OperatorUnderTest op = OperatorUnderTest.start(peers, settings.javaHome(), settings.operatorJar(),
          log, settings.jvmOptions(), settings.pollInterval())) {
        double aws0 = op.secondsInAws();
        double busy0 = op.busySeconds();
        double cpu0 = op.cpuTime().toMillis() / 1000.0;
        long start = System.nanoTime();
        Instant applied = Instant.now();
        peers.kube().kubectl("apply", "--server-side", "-f", writeManifests(dir, layout, org).toString());
        progress("applied the organisation and 3 stages; waiting for %d accounts in %d regions",
            org.targetedAccounts(), REGIONS.size());
        Waits.allReady(peers.kubeClient(), op, log, Math.max(1800, perStage * 6L));
        double wall = seconds(start);
        double cpu = op.cpuTime().toMillis() / 1000.0 - cpu0;
        double inAws = op.secondsInAws() - aws0;
        double busy = op.busySeconds() - busy0;
        List<EmulatorAdmin.Call> calls = emulator.calls();
        long peakRss = op.peakRssBytes();
        long peakHeap = op.peakHeapBytes();
        long liveHeap = op.liveHeapBytes(dir.resolve("heap-histogram.txt"));
        progress("all stages Ready after %.1f s; %d AWS calls", wall, calls.size());
        verifySample(peers, org);
        run = new Run(perStage, org.targetedAccounts(), org.targetedAccounts() * REGIONS.size(), seedSeconds,
            wall, calls.size(), calls.stream().filter(EmulatorAdmin.Call::write).count(), byOperation(calls),
            inAws, busy, cpu, peakRss, peakHeap, liveHeap, 0, 0, 0, Map.of(), StackSetRollouts.longestSince(peers, applied), null,
            null);
      }
      // a no-op resync: a new operator process reconciles everything it finds, all of it already true
      emulator.clearCalls();
      try (OperatorUnderTest op = OperatorUnderTest.start(peers, settings.javaHome(), settings.operatorJar(),
          log, settings.jvmOptions(), settings.pollInterval())) {
        long start = System.nanoTime();
        double lastCall = Waits.quiet(emulator, start, 10, 180);
        List<EmulatorAdmin.Call> calls = emulator.calls();
        List<EmulatorAdmin.Call> writes = calls.stream().filter(EmulatorAdmin.Call::write).toList();
        Waits.allReady(peers.kubeClient(), op, log, 60);
        progress("no-op resync: %d AWS calls, %d writes, quiet after %.1f s", calls.size(), writes.size(), lastCall);
        DocumentChange change = DocumentChange.measure(peers, emulator, op, log, dir, layout, org, perStage);
        AtRest rest = withBaseline && settings.restMinutes() > 0 ? AtRest.measure(emulator, op, org.memberAccounts(),
            Duration.ofSeconds(Math.round(settings.restMinutes() * 60))) : null;
        run = new Run(run.perStage(), run.accounts(), run.environments(), run.seedSeconds(),
            run.applyToReadySeconds(), run.awsCalls(), run.awsWrites(), run.callsByOperation(), run.secondsInAws(),
            run.busySeconds(), run.operatorCpuSeconds(), Math.max(run.peakRssBytes(), op.peakRssBytes()),
            Math.max(run.peakHeapBytes(), op.peakHeapBytes()), run.liveHeapBytes(), lastCall, calls.size(), writes.size(),
            byOperation(writes), run.stackSetSeconds(), change, rest);
      }
      return new Measured(run, baseline);
    }
  }

  static Path writeManifests(Path dir, PeerLayout layout, ScaleOrganization org) throws IOException {
    StringBuilder all = new StringBuilder(Files.readString(layout.repoRoot().resolve("samples/organization.yaml")));
    // the rules the samples include; prod's Manual approval is a person's step, not the rollout's
    all.append("\n---\n").append(Files.readString(layout.repoRoot().resolve("samples/boundary-rules.yaml")));
    for (String stage : ScaleOrganization.STAGES) {
      String yaml = Files.readString(layout.repoRoot().resolve("samples/stage-" + stage + ".yaml"))
          .replace("approval: Manual", "approval: Automatic")
          .replaceAll("(?m)^    organizationalUnits: \\[.*]$", "    organizationalUnits: [" + org.stageOus().get(stage) + "]")
          .replaceAll("(?m)^    regions: \\[.*]$", "    regions: [" + String.join(", ", REGIONS) + "]")
          .replaceAll("(?m)^    accounts: \\[.*]\\n", "")
          .replaceAll("(?m)^    excludeAccounts: \\[.*]\\n", "");
      if (!yaml.contains("\n  bootstrap:")) {
        yaml = yaml.stripTrailing() + "\n  bootstrap:\n    createIfMissing: true\n";
      } else if (!yaml.contains("createIfMissing")) {
        yaml = yaml.replace("\n  bootstrap:\n", "\n  bootstrap:\n    createIfMissing: true\n");
      }
      all.append("\n---\n").append(yaml);
    }
    Path file = dir.resolve("manifests.yaml");
    Files.writeString(file, all.toString());
    return file;
  }

  /** The execution role carries the stage's boundary, for the first and last account of each stage. */
  static void verifySample(Peers peers, ScaleOrganization org) {
    for (String stage : ScaleOrganization.STAGES) {
      List<String> accounts = org.accountsOf(stage);
      for (String account : List.of(accounts.get(0), accounts.get(accounts.size() - 1))) {
        try (IamClient iam = peers.awsClients().inAccount(account).iam()) {
          for (String region : REGIONS) {
            var role = iam.getRole(r -> r.roleName("cdk-hnb659fds-cfn-exec-role-" + account + "-" + region)).role();
            String arn = role.permissionsBoundary() == null ? null : role.permissionsBoundary().permissionsBoundaryArn();
            if (arn == null || !arn.endsWith(":policy/developer-policy-" + stage)) {
              throw new IllegalStateException("account " + account + " " + region + ": execution role boundary " + arn);
            }
          }
        }
      }
    }
  }

  static SortedMap<String, Long> byOperation(List<EmulatorAdmin.Call> calls) {
    return calls.stream().collect(Collectors.groupingBy(c -> c.service() + ":" + c.action(), TreeMap::new,
        Collectors.counting()));
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static void progress(String format, Object... args) {
    System.out.printf("[benchmark] " + format + "%n", args);
    System.out.flush();
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
