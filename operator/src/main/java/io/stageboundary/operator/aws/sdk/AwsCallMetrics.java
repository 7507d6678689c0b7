package io.stageboundary.operator.aws.sdk;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts and times every AWS call (one per API call, retries included in its time):
 * {@code stage_boundary_aws_calls_total{service,operation,outcome}} and
 * {@code stage_boundary_aws_call_seconds_*}; and, process-wide, the calls in flight and the wall
 * time with any call in flight, which the benchmark compares with total time.
 */
public final class AwsCallMetrics implements ExecutionInterceptor {
  private static final ExecutionAttribute<Long> START = new ExecutionAttribute<>("sbo.start");
  private static final LongAdder CALLS = new LongAdder();
  private static final Set<String> OBSERVED = ConcurrentHashMap.newKeySet();
  private static final Object BUSY_LOCK = new Object();
  private static int inFlight;
  private static long busySince;
  private static long busyNanos;
  private final MeterRegistry registry;
  private final String identity;

  /**
   * @param identity which credentials the calls use: {@code base} (the pod's own, to assume the
   *     operator role), {@code operator} or {@code member}; it decides which documented IAM
   *     policy must allow them
   */
  public AwsCallMetrics(MeterRegistry registry, String identity) {
    this.registry = registry;
    this.identity = identity;
  }

  /**
   * Registers the process-wide meters ({@code stage_boundary_aws_calls_in_flight},
   * {@code stage_boundary_aws_busy_seconds_total}) once per registry; the per-call meters are
   * created as calls are made.
   */
  public static void registerGauges(MeterRegistry registry) {
    if (registry == null || registry.find("stage_boundary_aws_calls_in_flight").gauge() != null) {
      return;
    }
    io.micrometer.core.instrument.Gauge.builder("stage_boundary_aws_calls_in_flight", AwsCallMetrics::inFlight)
        .description("AWS calls in flight now").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("stage_boundary_aws_busy", AwsCallMetrics.class,
            c -> busyNanos() / 1e9).baseUnit("seconds")
        .description("Wall-clock time during which at least one AWS call was in flight").register(registry);
  }

  static int inFlight() {
    synchronized (BUSY_LOCK) {
      return inFlight;
    }
  }

  /** Wall-clock nanoseconds during which at least one AWS call was in flight, up to now. */
  public static long busyNanos() {
    synchronized (BUSY_LOCK) {
      return busyNanos + (inFlight > 0 ? System.nanoTime() - busySince : 0);
    }
  }

  /**
   * Every (identity, service, operation) this process has called, as {@code identity
   * Service:Operation}: what the IAM policies in docs/iam must allow (checked by a test).
   */
  public static Set<String> observed() {
    return Set.copyOf(OBSERVED);
  }

  public static long calls() {
    return CALLS.sum();
  }

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    long now = System.nanoTime();
    attributes.putAttribute(START, now);
    synchronized (BUSY_LOCK) {
      if (inFlight++ == 0) {
        busySince = now;
      }
    }
  }

  @Override
  public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
    record(attributes, "success");
  }

  @Override
  public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
    Throwable e = context.exception();
    String outcome = "error";
    if (e instanceof AwsServiceException s) {
      if (s.isThrottlingException()) {
        outcome = "throttled";
      } else if (s.awsErrorDetails() != null && s.awsErrorDetails().errorCode() != null) {
        outcome = s.awsErrorDetails().errorCode();
      }
    } else {
      outcome = "client_error";
    }
    record(attributes, outcome);
  }

  private void record(ExecutionAttributes attributes, String outcome) {
    Long start = attributes.getAttribute(START);
    long end = System.nanoTime();
    long nanos = start == null ? 0 : end - start;
    if (start != null) {
      synchronized (BUSY_LOCK) {
        if (--inFlight == 0) {
          busyNanos += end - busySince;
        }
      }
    }
    CALLS.increment();
    if (registry == null) {
      return;
    }
    String service = String.valueOf(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME));
    String operation = String.valueOf(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    OBSERVED.add(identity + " " + service + ":" + operation);
    registry.counter("stage_boundary_aws_calls", "service", service, "operation", operation,
        "outcome", outcome).increment();
    Timer.builder("stage_boundary_aws_call").tag("service", service)
        .tag("operation", operation).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }
}
