package io.stageboundary.testenv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the local environment (kube-apiserver + etcd, the AWS emulator with the seeded
 * organisation), writes {@code env.sh} with how to reach it, and keeps running until stopped.
 * Used by hack/env-up.sh and the demo.
 */
public final class EnvMain {
  private EnvMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/env").toAbsolutePath();
    Peers peers = Peers.start(dir, false);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      peers.close();
      stopped.countDown();
    }, "env-shutdown"));
    SeededOrganization org = peers.resetAws();
    Path envFile = writeEnv(dir, peers);
    System.out.printf("""
        Local environment is up.
          Kubernetes API server  %s   (RBAC on; admin kubeconfig %s)
          AWS emulator           %s   (organisation %s, %d member accounts)
          Logs                   %s
        Use it from a shell:
          source %s
          kubectl get namespaces
          aws --endpoint-url "$AWS_ENDPOINT_URL" organizations list-accounts   # if the AWS CLI is installed
        Stop with Ctrl-C (or kill %d).
        """, peers.kube().apiServerUrl(), peers.kube().kubeconfig(), peers.aws().endpoint(),
        org.managementAccountId(), org.accounts().size(), dir, envFile, ProcessHandle.current().pid());
    System.out.flush();
    stopped.await();
  }

  static Path writeEnv(Path dir, Peers peers) throws IOException {
    Path env = dir.resolve("env.sh");
    Path tmp = dir.resolve("env.sh.tmp");
    Files.writeString(tmp, """
        # Written by the local environment; source it to talk to the peers.
        export KUBECONFIG=%s
        export PATH=%s:"$PATH"
        export AWS_ENDPOINT_URL=%s
        export AWS_REGION=%s
        export AWS_DEFAULT_REGION=%s
        export AWS_ACCESS_KEY_ID=%s
        export AWS_SECRET_ACCESS_KEY=%s
        export SBO_ENV_PID=%d
        """.formatted(peers.kube().kubeconfig(), peers.layout().kubeBinDir(), peers.aws().endpoint(),
        AwsEmulator.REGION, AwsEmulator.REGION, AwsClients.ACCESS_KEY_ID,
        AwsClients.SECRET_ACCESS_KEY, ProcessHandle.current().pid()));
    Files.move(tmp, env, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return env;
  }
}
