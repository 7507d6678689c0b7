package io.stageboundary.benchmark;

import io.stageboundary.testenv.AwsEmulator;
import io.stageboundary.testenv.AwsClients;
import io.stageboundary.testenv.OrganizationSeeder;
import io.stageboundary.testenv.PeerLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * How many calls a second the emulator answers, with one worker process and with several: the
 * member-account calls the operator makes most (IAM GetRole, CloudFormation DescribeStacks, and a
 * write, IAM TagRole, one in four), from many client threads at once into many accounts, for a
 * fixed time. The client shares the machine with the emulator, as the operator does in a run.
 */
record EmulatorThroughput(int workers, int accounts, int threads, double seconds, long calls) {

  double callsPerSecond() {
    return calls / seconds;
  }

  /** @param perStage the organisation's size as a run's: three stages of this many accounts */
  static EmulatorThroughput measure(PeerLayout layout, Path dir, int workers, int perStage, int threads,
      Duration duration) throws InterruptedException {
    ScaleOrganization org = ScaleOrganization.of(perStage, 0);
    try (AwsEmulator emulator = AwsEmulator.start(layout, dir.resolve("throughput-" + workers), workers);
        AwsClients aws = new AwsClients(emulator.endpoint())) {
      OrganizationSeeder.seed(emulator.admin(), aws, layout.repoRoot().resolve("docs/iam"), org.ous(), org.accounts());
      List<IamClient> iam = new ArrayList<>();
      List<CloudFormationClient> cfn = new ArrayList<>();
      for (String account : org.accounts().stream().map(a -> a.id())
          .filter(id -> !id.equals(OrganizationSeeder.TOOLING_ACCOUNT)).toList()) {
        AwsClients in = aws.inAccount(account);
        iam.add(in.iam());
        cfn.add(in.cloudFormation());
      }
      AtomicLong calls = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long end = System.nanoTime() + duration.toNanos();
      long start = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        pool.submit(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          while (System.nanoTime() < end) {
            int i = random.nextInt(iam.size());
            switch (random.nextInt(4)) {
              case 0 -> iam.get(i).getRole(r -> r.roleName(OrganizationSeeder.MEMBER_ROLE));
              case 1 -> cfn.get(i).describeStacks();
              case 2 -> iam.get(i).tagRole(r -> r.roleName(OrganizationSeeder.MEMBER_ROLE)
                  .tags(tag -> tag.key("load").value(String.valueOf(random.nextInt(1000)))));
              default -> iam.get(i).getRole(r -> r.roleName(OrganizationSeeder.STACKSET_EXECUTION_ROLE));
            }
            calls.incrementAndGet();
          }
          return null;
        });
      }
      pool.shutdown();
      pool.awaitTermination(duration.toSeconds() + 120, TimeUnit.SECONDS);
      double seconds = BenchmarkMain.seconds(start);
      iam.forEach(IamClient::close);
      cfn.forEach(CloudFormationClient::close);
      return new EmulatorThroughput(workers, iam.size(), threads, seconds, calls.get());
    }
  }
}
