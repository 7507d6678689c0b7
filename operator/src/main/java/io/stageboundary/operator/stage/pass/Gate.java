package io.stageboundary.operator.stage.pass;

import java.time.Duration;

/** A step's result: go on with a value, or stop this pass and look again after a while. */
public record Gate<T>(T value, Duration stop) {
  public static <T> Gate<T> go(T value) {
    return new Gate<>(value, null);
  }

  public static <T> Gate<T> stop(Duration lookAgainIn) {
    return new Gate<>(null, lookAgainIn);
  }

  public boolean stopped() {
    return stop != null;
  }
}
