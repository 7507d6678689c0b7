package io.stageboundary.operator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/** Figures a test measured, appended to target/figures.txt (docs/reliability.md quotes them). */
public final class Figures {
  private static final Path FILE = Path.of("target/figures.txt");

  private Figures() {}

  public static synchronized void record(String name, String figure) {
    try {
      Files.createDirectories(FILE.toAbsolutePath().getParent());
      Files.writeString(FILE, Instant.now() + " " + name + ": " + figure + "\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
