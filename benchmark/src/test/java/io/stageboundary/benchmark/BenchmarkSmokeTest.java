package io.stageboundary.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.testenv.PeerLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's whole path at a tiny size, so hack/benchmark.sh keeps working: the packaged
 * operator rolls out 3 stages × 3 accounts × 2 regions on fresh peers, the real CDK CLI bootstraps
 * one baseline account in both regions, and the report says what was measured. Nothing here
 * judges a speed.
 */
class BenchmarkSmokeTest {
  @Test
  void aTinyRunMeasuresEverythingTheReportShows() throws Exception {
    PeerLayout layout = PeerLayout.discover();
    Path docs = Files.createTempFile("benchmarks", ".md");
    Files.writeString(docs, "# kept\n\n" + Report.BEGIN + "\nold figures\n" + Report.END + "\n\nkept too\n");
    BenchmarkMain.Settings settings = BenchmarkMain.Settings.parse(
        new String[] {"--accounts", "3", "--baseline-accounts=1", "--parallel-baseline-accounts", "2",
            "--stack-seconds", "1", "--rest-minutes", "0.2", "--docs", docs.toString()}, layout.repoRoot());
    settings = new BenchmarkMain.Settings(settings.perStage(), settings.baselineAccounts(),
        settings.memoryLimitMiB(), settings.javaOptions(), settings.pollInterval(), settings.operationSeconds(),
        settings.stackSeconds(), settings.instanceSeconds(), settings.parallelBaselineAccounts(),
        settings.emulatorWorkers(), settings.restMinutes(), layout.repoRoot().resolve("benchmark/target/benchmark-smoke"), settings.docs(), settings.operatorJar(),
        settings.javaHome());

    BenchmarkMain.Measured m = BenchmarkMain.measure(layout, settings, 3, true);

    Run run = m.run();
    assertThat(run.accounts()).isEqualTo(9);
    assertThat(run.environments()).isEqualTo(18);
    assertThat(run.applyToReadySeconds()).isPositive();
    // every account got its boundary StackSet instance and a bootstrap stack in both regions
    assertThat(run.callsByOperation()).containsEntry("cloudformation:CreateStack", 18L)
        .containsEntry("cloudformation:CreateStackSet", 3L);
    assertThat(run.resyncWrites()).as("writes during a no-op resync").isZero();
    assertThat(run.atRest()).as("counted at rest").isNotNull();
    assertThat(run.atRest().minutes()).isGreaterThan(0.1);
    assertThat(run.atRest().accounts()).isEqualTo(9);
    assertThat(run.atRest().inMembers()).isBetween(0L, run.atRest().calls());
    assertThat(run.resyncCalls()).isPositive();
    assertThat(run.peakRssBytes()).isGreaterThan(run.peakHeapBytes()).isPositive();
    assertThat(run.liveHeapBytes()).isPositive().isLessThan(run.peakRssBytes());
    assertThat(run.busySeconds()).isPositive().isLessThanOrEqualTo(run.applyToReadySeconds());
    assertThat(m.baseline().environments()).isEqualTo(2);
    // 2 accounts at once, one invocation each for both regions
    assertThat(m.baseline().parallel().accounts()).isEqualTo(2);
    assertThat(m.baseline().parallel().roundSeconds()).hasSize(1);
    assertThat(m.baseline().parallel().callsByOperation()).containsEntry("cloudformation:ExecuteChangeSet", 4L);
    // the CLI deploys through a change set
    assertThat(m.baseline().callsByOperation()).containsEntry("cloudformation:ExecuteChangeSet", 2L);

    List<EmulatorThroughput> throughput = BenchmarkMain.throughput(layout, settings, java.time.Duration.ofSeconds(2), 3);
    assertThat(throughput).extracting(EmulatorThroughput::workers).containsExactly(1, settings.emulatorWorkers());
    assertThat(throughput).allSatisfy(t -> assertThat(t.calls()).isPositive());
    Report report = new Report(settings, layout, List.of(run), m.baseline(), throughput);
    report.writeInto(docs);
    String written = Files.readString(docs);
    assertThat(written).startsWith("# kept\n").endsWith("kept too\n").doesNotContain("old figures")
        .contains("| 3 | 9 | 18 |").contains("0 AWS writes in a no-op resync | 0 (all sizes) | met")
        .contains("`cloudformation:CreateStack` | 18 | 2.00").contains("20 accounts at a time")
        .contains("apply → all Ready ≤ 1.5 × the physical floor (one stack + the StackSet rollout)")
        .contains("at rest, AWS calls per account per hour ≤ 2");
  }
}
