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

  private static final StringBuffer CAPTURED = new StringBuffer();
  private static volatile boolean capturing;

  /** Everything logged (message, parameters and exception, formatted) from now until stop. */
  static void startCapture() {
    install();
    CAPTURED.setLength(0);
    capturing = true;
  }

  static String stopCapture() {
    capturing = false;
    return CAPTURED.toString();
  }

  static synchronized void install() {
    if (done) {
      return;
    }
    Handler console = InitialConfigurator.createDefaultHandler();
    console.setLevel(Level.ALL);
    Handler capture = new Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        if (!capturing || !isLoggable(r)) {
          return;
        }
        String message = r instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage()
            : new java.util.logging.SimpleFormatter().formatMessage(r);
        CAPTURED.append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ").append(message).append('\n');
        if (r.getThrown() != null) {
          java.io.StringWriter w = new java.io.StringWriter();
          r.getThrown().printStackTrace(new java.io.PrintWriter(w));
          CAPTURED.append(w).append('\n');
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    capture.setLevel(Level.ALL);
    InitialConfigurator.DELAYED_HANDLER.setHandlers(new Handler[] {console, capture});
    Logger.getLogger("").setLevel(Level.INFO);
    Logger.getLogger("io.stageboundary").setLevel(Level.FINE);
    done = true;
  }
}
