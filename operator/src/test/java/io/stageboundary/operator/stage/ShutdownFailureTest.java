package io.stageboundary.operator.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** A reconcile cut short by the operator's own shutdown leaves the Stage's status alone. */
class ShutdownFailureTest {
  @Test
  void failuresFromStoppedExecutorsAreShutdownNotErrors() {
    assertThat(StageReconciler.causedByShutdown(new RuntimeException(new IllegalStateException(
        new RejectedExecutionException("rejected from ScheduledThreadPoolExecutor[Terminated]"))))).isTrue();
    assertThat(StageReconciler.causedByShutdown(new IllegalStateException("Connection pool shut down"))).isTrue();
    assertThat(StageReconciler.causedByShutdown(new IllegalStateException("AccessDenied"))).isFalse();
    assertThat(StageReconciler.causedByShutdown(new RuntimeException((Throwable) null))).isFalse();
  }
}
