package io.stageboundary.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * The real CDK CLI from the pinned aws-cdk package, run against the emulator as an engineer
 * would run it in one account: {@code cdk bootstrap aws://ACCOUNT/REGION ...}, with credentials
 * of a role in that account. Used to seed bootstrap stacks the way users have them, to compare
 * what the operator sets with what the CLI sets, and as the benchmark's baseline.
 */
public final class CdkCli {
  private final PeerLayout layout;
  private final java.net.URI endpoint;
  private final AwsClients aws;

  public CdkCli(PeerLayout layout, java.net.URI endpoint, AwsClients aws) {
    this.layout = layout;
    this.endpoint = endpoint;
    this.aws = aws;
  }

  public record Result(int exitCode, String output, long millis) {
    public Result orThrow() {
      if (exitCode != 0) {
        throw new IllegalStateException("cdk failed (" + exitCode + "):\n" + output);
      }
      return this;
    }
  }

  /** {@code cdk bootstrap aws://account/region} plus {@code args}, as the account's admin role. */
  public Result bootstrap(String account, String region, String... args) {
    return bootstrap(account, List.of(region), args);
  }

  /**
   * One {@code cdk bootstrap aws://account/r1 aws://account/r2 ...} for all of an account's
   * regions, as the account's admin role: the CLI bootstraps the environments of one invocation in
   * parallel (at most 20 at once).
   */
  public Result bootstrap(String account, List<String> regions, String... args) {
    String region = regions.get(0);
    List<String> cmd = new ArrayList<>(List.of("node",
        layout.cdkPackageDir().resolve("bin/cdk").toString(), "bootstrap"));
    regions.forEach(r -> cmd.add("aws://" + account + "/" + r));
    cmd.add("--no-notices");
    cmd.addAll(List.of(args));
    AwsCredentials c = aws.inAccount(account).credentials().resolveCredentials();
    Path work = null;
    try {
      work = Files.createTempDirectory("cdk");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
      pb.environment().put("AWS_ACCESS_KEY_ID", c.accessKeyId());
      pb.environment().put("AWS_SECRET_ACCESS_KEY", c.secretAccessKey());
      if (c instanceof AwsSessionCredentials s) {
        pb.environment().put("AWS_SESSION_TOKEN", s.sessionToken());
      }
      pb.environment().put("AWS_REGION", region);
      pb.environment().put("AWS_DEFAULT_REGION", region);
      pb.environment().put("AWS_ENDPOINT_URL", endpoint.toString());
      pb.environment().put("CDK_DISABLE_VERSION_CHECK", "1");
      pb.environment().put("CDK_DISABLE_CLI_TELEMETRY", "1");
      pb.environment().put("HOME", work.toString());
      pb.environment().remove("AWS_PROFILE");
      long start = System.nanoTime();
      Process p = pb.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("cdk bootstrap timed out:\n" + out);
      }
      return new Result(p.exitValue(), out, (System.nanoTime() - start) / 1_000_000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      if (work != null) {
        Peers.deleteTree(work);
      }
    }
  }
}
