package io.stageboundary.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class FreePortTest {

  /** A peer's port is never one the kernel may hand an outgoing connection before the peer binds it. */
  @Test
  void portsAreBindableAndBelowTheKernelsEphemeralRange() throws Exception {
    for (int i = 0; i < 20; i++) {
      int port = FreePort.pick();
      assertThat(port).isBetween(FreePort.LOWEST, FreePort.ephemeralLow() - 1);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      }
    }
  }
}
