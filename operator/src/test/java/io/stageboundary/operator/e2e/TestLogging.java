package io.stageboundary.operator.e2e;

import io.quarkus.bootstrap.logging.InitialConfigurator;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Quarkus queues log records until its runtime starts, which never happens when a test runs the
 * operator directly; this hands them to a console handler instead (surefire keeps the output in
 * target/surefire-reports/*-output.txt).
 */
final class TestLogging {
  private static boolean done;

  private TestLogging() {}

  static synchronized void install() {
    if (done) {
      return;
    }
    Handler console = InitialConfigurator.createDefaultHandler();
    console.setLevel(Level.ALL);
    InitialConfigurator.DELAYED_HANDLER.setHandlers(new Handler[] {console});
    Logger.getLogger("").setLevel(Level.INFO);
    Logger.getLogger("io.stageboundary").setLevel(Level.FINE);
    done = true;
  }
}
