package io.stageboundary.operator.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboard is well formed and reads only the operator's own metrics. That those metrics are
 * really exported is checked against the packaged operator's /q/metrics in OperatorProcessIT.
 */
class GrafanaDashboardTest {
  @Test
  void metricNamesAreFoundInPromQl() {
    assertThat(PromQueries.metricNames(
        "histogram_quantile(0.95, sum by (le, action) (rate(stage_boundary_stackset_operation_seconds_bucket[5m])))"))
        .containsExactly("stage_boundary_stackset_operation_seconds_bucket");
    assertThat(PromQueries.metricNames("count(a_metric{condition=\"Ready\", x=~\"y\"} == 0) or vector(0)"))
        .containsExactly("a_metric");
    assertThat(PromQueries.metricNames("sum(rate(x_total[1m])) / sum(rate(y_count[1m]))"))
        .containsExactly("x_total", "y_count");
    assertThat(PromQueries.metricNames("label_values(up, job)")).containsExactly("up");
    assertThat(PromQueries.exported("# HELP a x\n# TYPE a gauge\na{x=\"1\"} 1.0\nb_total 2\n"))
        .containsExactly("a", "b_total");
  }

  @Test
  void everyQueryReadsOnlyTheOperatorsMetrics() throws IOException {
    JsonNode d = GrafanaDashboard.read();
    assertThat(d.path("uid").asText()).isEqualTo("stage-boundary-operator");
    List<String> queries = GrafanaDashboard.queries(d);
    assertThat(queries).hasSizeGreaterThan(10);
    Set<String> names = new HashSet<>();
    for (String q : queries) {
      Set<String> n = PromQueries.metricNames(q);
      assertThat(n).as("metrics in %s", q).isNotEmpty();
      names.addAll(n);
    }
    assertThat(names).allSatisfy(n -> assertThat(n).startsWith("stage_boundary_"));
    // every kind of figure the operator exports is on the dashboard
    assertThat(names).anyMatch(n -> n.startsWith("stage_boundary_accounts"))
        .anyMatch(n -> n.startsWith("stage_boundary_bootstrap_accounts"))
        .anyMatch(n -> n.startsWith("stage_boundary_stage_condition"))
        .anyMatch(n -> n.startsWith("stage_boundary_drift_detections"))
        .anyMatch(n -> n.startsWith("stage_boundary_aws_calls"))
        .anyMatch(n -> n.startsWith("stage_boundary_aws_call_seconds"))
        .anyMatch(n -> n.startsWith("stage_boundary_stackset_operation_seconds"))
        .anyMatch(n -> n.startsWith("stage_boundary_reconcile_seconds"));
  }

  @Test
  void panelsHaveUniqueIdsAndDataSourceVariables() throws IOException {
    JsonNode d = GrafanaDashboard.read();
    Set<Integer> ids = new HashSet<>();
    for (JsonNode p : d.path("panels")) {
      assertThat(ids.add(p.path("id").asInt())).as("panel id %s unique", p.path("id")).isTrue();
      if (!"row".equals(p.path("type").asText())) {
        assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        assertThat(p.path("title").asText()).isNotBlank();
      }
    }
  }
}
