package io.stageboundary.operator.stage;

import java.time.Duration;

/** A step's result: go on with a value, or stop this pass and look again after a while. */
record Gate<T>(T value, Duration stop) {
  static <T> Gate<T> go(T value) {
    return new Gate<>(value, null);
  }

  static <T> Gate<T> stop(Duration lookAgainIn) {
    return new Gate<>(null, lookAgainIn);
  }

  boolean stopped() {
    return stop != null;
  }
}
