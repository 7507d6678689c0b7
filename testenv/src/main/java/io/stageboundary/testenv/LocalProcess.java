package io.stageboundary.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A peer process whose output goes to a log file, stopped with the JVM if nobody stops it first. */
final class LocalProcess implements AutoCloseable {
  private final String name;
  private final List<String> command;
  private final Map<String, String> env;
  private final Path log;
  private Process process;

  LocalProcess(String name, List<String> command, Map<String, String> env, Path log) {
    this.name = name;
    this.command = List.copyOf(command);
    this.env = Map.copyOf(env);
    this.log = log;
  }

  synchronized LocalProcess start() {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // An empty value removes the variable: a peer must not inherit some settings (for the
      // emulator, MOTO_ACCOUNT_ID would pin every request to one account).
      env.forEach((k, v) -> {
        if (v.isEmpty()) {
          pb.environment().remove(k);
        } else {
          pb.environment().put(k, v);
        }
      });
      process = pb.start();
      Process p = process;
      Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, name + "-reaper"));
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command.get(0), e);
    }
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** Fails with the tail of the log when the process died during start-up. */
  void checkAlive() {
    if (!isAlive()) {
      throw new IllegalStateException(name + " exited (code " + process.exitValue()
          + "); last lines of " + log + ":\n" + tail(40));
    }
  }

  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  Path log() {
    return log;
  }

  /** SIGKILL, as a crash would. */
  synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitFor();
    }
  }

  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
      waitFor();
    }
  }

  private void waitFor() {
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
