package io.stageboundary.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.PeersExtension;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The operator knows until when its session in a member account serves calls: STS gives the
 * session an hour (the longest a role assumed by a role may have), and the SDK replaces it at the
 * first call in its last five minutes. Checks at rest use this to come a little early on a session
 * instead of taking a new one an hour later (ChecksAtRest).
 */
@PeersExtension.WithPeers
class MemberSessionLifetimeTest {

  @Test
  void aSessionServesCallsFiftyFiveMinutesAndIsTakenOnce(Peers peers) {
    SeededOrganization org = peers.organization();
    String account = org.account("dev-payments");
    SdkConnector connector = EmulatorAccess.connector(peers);
    try (connector; OrganizationAws aws = connector.connect(EmulatorAccess.connection(org))) {
      assertThat(aws.sessionReusableUntil(account)).as("no session before the first call").isEmpty();
      peers.emulator().clearCalls();
      Instant before = Instant.now();
      String arn = "arn:aws:iam::" + account + ":policy/not-there";
      aws.policies(account).existing(arn);
      long sessions = EmulatorAccess.calls(peers, "AssumeRole");
      aws.policies(account).existing(arn);
      Instant after = Instant.now();

      assertThat(aws.sessionReusableUntil(account)).hasValueSatisfying(until -> assertThat(until)
          .isBetween(before.plus(Duration.ofMinutes(55)).minusSeconds(2), after.plus(Duration.ofMinutes(55)).plusSeconds(2)));
      assertThat(EmulatorAccess.calls(peers, "AssumeRole")).as("the second call on the first call's session")
          .isEqualTo(sessions);
      assertThat(aws.sessionReusableUntil(org.account("dev-search"))).as("another account's").isEmpty();
    }
  }
}
