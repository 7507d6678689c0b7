package io.stageboundary.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.testenv.EmulatorAdmin.Fault;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import org.junit.jupiter.api.Test;

/**
 * AWS throttles per account, region and API, so the operator slows down per account and service:
 * an account whose IAM calls the emulator throttles (as AWS answers, "Throttling: Rate exceeded")
 * has its IAM calls paced at half the rate, its other services and every other account not at all,
 * and the pace comes back as its calls go through. The SDK's own retries still carry each call.
 */
@PeersExtension.WithPeers
class MemberPacingTest {

  @Test
  void aThrottledAccountIsSlowedForThatServiceAloneAndRecovers(Peers peers) {
    SeededOrganization org = peers.organization();
    String busy = org.account("dev-payments");
    String quiet = org.account("dev-search");
    SdkConnector connector = EmulatorAccess.connector(peers);
    try (connector; OrganizationAws aws = connector.connect(EmulatorAccess.connection(org))) {
      String arn = "arn:aws:iam::" + busy + ":policy/not-there";
      peers.emulator().addFault(new Fault("throttle", "iam", null, busy, 1.0, null, 2, null));
      assertThat(aws.policies(busy).existing(arn)).as("carried by the SDK's retries").isEmpty();
      CallRates.Limiter rates = connector.rates();
      assertThat(rates.slowedTo(busy, "iam")).as("slowed after being throttled").hasValue(5.0);
      assertThat(rates.slowedTo(busy, "cloudformation")).as("its other services are not").isEmpty();
      assertThat(aws.policies(quiet).existing("arn:aws:iam::" + quiet + ":policy/not-there")).isEmpty();
      assertThat(rates.slowedTo(quiet, "iam")).as("nor is any other account").isEmpty();

      for (int i = 0; i < 20; i++) {
        aws.policies(busy).existing(arn);
      }
      assertThat(rates.slowedTo(busy, "iam")).as("back to its own pace once calls go through").isEmpty();
    } finally {
      peers.emulator().clearFaults();
    }
  }
}
