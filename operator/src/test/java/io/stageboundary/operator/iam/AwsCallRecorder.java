package io.stageboundary.operator.iam;

import io.stageboundary.operator.aws.sdk.AwsCallMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Writes down, when a test run ends, every AWS call the operator made during it (by identity) and
 * which test classes ran: IamPolicyCoverageIT compares that with the policies in docs/iam.
 * Registered through META-INF/services; active only where sbo.aws-calls.file is set (surefire).
 */
public final class AwsCallRecorder implements TestExecutionListener {
  private final List<String> classes = new ArrayList<>();

  @Override
  public void executionFinished(TestIdentifier id, TestExecutionResult result) {
    id.getSource().filter(ClassSource.class::isInstance).map(s -> ((ClassSource) s).getClassName())
        .ifPresent(c -> {
          synchronized (classes) {
            classes.add(c);
          }
        });
  }

  @Override
  public void testPlanExecutionFinished(TestPlan plan) {
    String file = System.getProperty("sbo.aws-calls.file");
    synchronized (classes) {
      if (file == null || classes.isEmpty()) {
        return;  // not under surefire, or nothing ran: keep the last recording
      }
    }
    Set<String> lines = new TreeSet<>();
    AwsCallMetrics.observed().forEach(c -> lines.add("call " + c));
    synchronized (classes) {
      classes.forEach(c -> lines.add("class " + c));
    }
    try {
      Files.createDirectories(Path.of(file).toAbsolutePath().getParent());
      Files.write(Path.of(file), lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
