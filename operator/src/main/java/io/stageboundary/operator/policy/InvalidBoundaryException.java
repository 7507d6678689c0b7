package io.stageboundary.operator.policy;

import java.util.List;

/** A boundary that must not reach AWS; each problem names the field and what to change. */
public final class InvalidBoundaryException extends Exception {
  private final List<String> problems;

  public InvalidBoundaryException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
