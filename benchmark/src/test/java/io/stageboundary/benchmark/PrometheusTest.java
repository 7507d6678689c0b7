package io.stageboundary.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTest {
  private static final String TEXT = """
      # HELP jvm_memory_used_bytes The amount of used memory
      # TYPE jvm_memory_used_bytes gauge
      jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.048576E7
      jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.097152E7
      jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9.9E7
      jvm_memory_used_bytes_extra 5
      stage_boundary_aws_call_seconds_sum{operation="CreateStack",outcome="success",service="cloudformation"} 1.5
      stage_boundary_aws_call_seconds_sum{operation="GetRole",outcome="success",service="iam"} 0.25
      stage_boundary_aws_call_seconds_count{operation="GetRole",outcome="success",service="iam"} 4
      process_uptime_seconds 12.0
      """;

  @Test
  void sumsEverySampleOfAMetricWhoseLabelsMatch() {
    assertThat(Prometheus.sum(TEXT, "jvm_memory_used_bytes", l -> l.contains("area=\"heap\""))).isEqualTo(3.145728E7);
    assertThat(Prometheus.sum(TEXT, "stage_boundary_aws_call_seconds_sum")).isEqualTo(1.75);
    assertThat(Prometheus.sum(TEXT, "stage_boundary_aws_call_seconds_sum",
        Prometheus.having(Map.of("service", "iam")))).isEqualTo(0.25);
    assertThat(Prometheus.sum(TEXT, "process_uptime_seconds")).isEqualTo(12.0);
  }

  @Test
  void aMetricThatIsOnlyAPrefixOfAnotherIsNotCounted() {
    assertThat(Prometheus.sum(TEXT, "jvm_memory_used_bytes", l -> true)).isEqualTo(3.145728E7 + 9.9E7);
    assertThat(Prometheus.sum(TEXT, "no_such_metric")).isZero();
  }
}
