package io.stageboundary.operator.aws.sdk;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stageboundary.operator.aws.Connection;
import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.Peers;
import io.stageboundary.testenv.SeededOrganization;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The operator's AWS access on the emulator, as the seeded organisation's operator role: for this package's tests. */
final class EmulatorAccess {
  private EmulatorAccess() {}

  /** A connector to the emulator: 8 attempts a call, the standard member-call rates, a 3 s member-role retry. */
  static SdkConnector connector(Peers peers) {
    return new SdkConnector(new SdkConnector.Defaults(() -> peers.awsClients().credentials(),
        Optional.of(peers.aws().endpoint()), 8, CallRates.standard(), Duration.ofSeconds(3)), new SimpleMeterRegistry());
  }

  /** How many {@code action} calls the emulator answered since its calls were last cleared. */
  static long calls(Peers peers, String action) {
    return peers.emulator().calls().stream().map(EmulatorAdmin.Call::action).filter(action::equals).count();
  }

  /** The seeded organisation, in us-east-1, through its operator and member roles. */
  static Connection connection(SeededOrganization org) {
    return new Connection("us-east-1", Optional.empty(), org.operatorRoleArn(), null, org.memberRoleName(), Map.of(),
        true);
  }
}
