package io.stageboundary.operator.stage.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stageboundary.operator.api.v1alpha1.Condition;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.kube.Conditions;
import io.stageboundary.operator.stage.pass.BlockedReason;
import io.stageboundary.operator.stage.pass.DriftReason;
import io.stageboundary.operator.stage.pass.OperationAction;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator's Prometheus metrics about stages (AWS calls are counted by AwsCallMetrics):
 * <ul>
 *   <li>{@code stage_boundary_accounts{stage,state}}: accounts per boundary state</li>
 *   <li>{@code stage_boundary_bootstrap_accounts{stage,state}}: accounts per bootstrap state</li>
 *   <li>{@code stage_boundary_blocked_accounts{stage,reason}}: accounts left alone until a cause outside the stage is fixed</li>
 *   <li>{@code stage_boundary_stage_condition{stage,condition}}: 1 when the condition is True</li>
 *   <li>{@code stage_boundary_drift_detections_total{stage,reason}}: checks that found drift</li>
 *   <li>{@code stage_boundary_probes{stage,result}}: enforcement probes of the last checks, passed or failed</li>
 *   <li>{@code stage_boundary_stackset_operation_seconds{action,status}}: operation durations</li>
 *   <li>{@code stage_boundary_reconcile_seconds{controller,outcome}}: reconcile durations</li>
 * </ul>
 * Every name here is checked against the Grafana dashboard by a test.
 */
public final class StageMetrics {
  public static final List<String> CONDITIONS = List.of(Conditions.READY, Conditions.RECONCILING,
      Conditions.STALLED, Conditions.BOUNDARY_DEPLOYED, Conditions.BOOTSTRAPPED, Conditions.IN_SYNC,
      Conditions.CONFLICT, Conditions.ENFORCED, Conditions.GUARDED);
  private final MeterRegistry registry;
  private final Map<String, AtomicInteger> values = new ConcurrentHashMap<>();

  public StageMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void report(Stage stage, Map<String, State> states, Collection<BootstrapState> bootstrap) {
    String name = stage.getMetadata().getName();
    for (State s : State.values()) {
      gauge("stage_boundary_accounts", name, "state", s.name())
          .set((int) states.values().stream().filter(s::equals).count());
    }
    for (BootstrapState s : BootstrapState.values()) {
      gauge("stage_boundary_bootstrap_accounts", name, "state", s.name())
          .set((int) bootstrap.stream().filter(s::equals).count());
    }
    // every reason, so the counters exist (at zero) before the first drift: rate() works
    for (DriftReason reason : DriftReason.values()) {
      registry.counter("stage_boundary_drift_detections", "stage", name, "reason", reason.name());
    }
  }

  /** {@code stage_boundary_blocked_accounts{stage,reason}}: every reason, at zero when none. */
  public void blocked(Stage stage, Map<String, Integer> byReason) {
    String name = stage.getMetadata().getName();
    for (BlockedReason reason : BlockedReason.values()) {
      gauge("stage_boundary_blocked_accounts", name, "reason", reason.name()).set(byReason.getOrDefault(reason.name(), 0));
    }
  }

  /**
   * {@code stage_boundary_exceptions_active{stage,break_glass}}: BoundaryExceptions in force, the
   * emergency ones apart (the chart's alert fires on break_glass="true").
   */
  public void exceptions(Stage stage, int active, int breakGlass) {
    String name = stage.getMetadata().getName();
    gauge("stage_boundary_exceptions_active", name, "break_glass", "false").set(active - breakGlass);
    gauge("stage_boundary_exceptions_active", name, "break_glass", "true").set(breakGlass);
  }

  /** {@code stage_boundary_probes{stage,result}}: the last check's enforcement probes, passed and failed. */
  public void probes(Stage stage, Collection<io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Enforcement> probed) {
    String name = stage.getMetadata().getName();
    gauge("stage_boundary_probes", name, "result", "passed").set(probed.stream().mapToInt(e -> e.passed()).sum());
    gauge("stage_boundary_probes", name, "result", "failed").set(probed.stream().mapToInt(e -> e.failed()).sum());
  }

  public void conditions(Stage stage, List<Condition> conditions) {
    String name = stage.getMetadata().getName();
    for (String type : CONDITIONS) {
      boolean on = conditions != null && conditions.stream()
          .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
      gauge("stage_boundary_stage_condition", name, "condition", type).set(on ? 1 : 0);
    }
  }

  public void driftDetected(Stage stage, DriftReason reason) {
    registry.counter("stage_boundary_drift_detections", "stage", stage.getMetadata().getName(),
        "reason", reason.name()).increment();
  }

  public void operationFinished(OperationAction action, String status, Instant created, Instant ended) {
    if (created == null || ended == null) {
      return;
    }
    Timer.builder("stage_boundary_stackset_operation").tag("action", String.valueOf(action))
        .tag("status", String.valueOf(status)).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofSeconds(1)).maximumExpectedValue(Duration.ofHours(1)).register(registry).record(Duration.between(created, ended));
  }

  public Timer.Sample startReconcile() {
    return Timer.start(registry);
  }

  public void reconciled(Timer.Sample sample, String controller, String outcome) {
    sample.stop(Timer.builder("stage_boundary_reconcile").tag("controller", controller)
        .tag("outcome", outcome).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(5)).maximumExpectedValue(Duration.ofMinutes(2)).register(registry));
  }

  /** Drops a deleted stage's gauges. */
  public void forget(String stage) {
    registry.getMeters().stream()
        .filter(m -> m.getId().getName().startsWith("stage_boundary_") && stage.equals(m.getId().getTag("stage")))
        .toList().forEach(registry::remove);
    values.keySet().removeIf(k -> k.contains("|" + stage + "|"));
  }

  private AtomicInteger gauge(String metric, String stage, String tag, String value) {
    return values.computeIfAbsent(metric + "|" + stage + "|" + value, k -> {
      AtomicInteger v = new AtomicInteger();
      Gauge.builder(metric, v, AtomicInteger::get).tag("stage", stage).tag(tag, value).register(registry);
      return v;
    });
  }
}
