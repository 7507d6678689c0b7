package io.stageboundary.testenv;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Bootstraps accounts of the local environment with the real CDK CLI, as the teams of an
 * organisation would have done before adopting the operator (used by the demo):
 * {@code CdkBootstrapMain ENDPOINT ACCOUNT:REGION ...}.
 */
public final class CdkBootstrapMain {
  private CdkBootstrapMain() {}

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    try (AwsClients aws = new AwsClients(endpoint)) {
      CdkCli cdk = new CdkCli(PeerLayout.discover(), endpoint, aws);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<CdkCli.Result>> runs = new ArrayList<>();
      for (int i = 1; i < args.length; i++) {
        String[] target = args[i].split(":");
        runs.add(pool.submit(() -> cdk.bootstrap(target[0], target[1]).orThrow()));
      }
      for (Future<CdkCli.Result> r : runs) {
        r.get();
      }
      pool.shutdown();
    }
  }
}
