package io.stageboundary.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the peers to listen on. A peer is told its port before it binds it, so the port must
 * stay free in between: one the kernel picked for a listening socket ({@code new ServerSocket(0)})
 * comes from its ephemeral range, which it also hands to outgoing connections, and with the tests'
 * thousands of connections to the emulators one took such a port in that moment (the API server of
 * a suite run failed with "bind: address already in use"). So the port is chosen below the
 * ephemeral range, where the kernel never puts a connection of its own, and checked free.
 */
final class FreePort {
  /** Linux's ephemeral range, where it is readable. */
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** The lowest port chosen: above the well-known and most registered services' ports. */
  static final int LOWEST = 10_000;

  private FreePort() {}

  /** A loopback port, free a moment ago, outside the range the kernel gives outgoing connections. */
  static int pick() {
    int below = ephemeralLow();
    for (int i = 0; below - LOWEST > 100 && i < 200; i++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
      if (free(port)) {
        return port;
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();  // no room below the ephemeral range: the kernel's choice
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lowest port of the kernel's ephemeral range; Linux's default when it cannot be read. */
  static int ephemeralLow() {
    try {
      // by lines: Files.readString trusts the size /proc reports, and read a single byte of it here
      return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
