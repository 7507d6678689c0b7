package io.stageboundary.operator.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The queries of the shipped Grafana dashboard (deploy/grafana). */
public final class GrafanaDashboard {
  public static final Path FILE = Path.of(System.getProperty("sbo.repo.root", "..")).toAbsolutePath().normalize()
      .resolve("deploy/grafana/stage-boundary-operator.json");

  private GrafanaDashboard() {}

  public static JsonNode read() throws IOException {
    return new ObjectMapper().readTree(FILE.toFile());
  }

  /** Every PromQL expression: panel targets (rows included) and query variables. */
  public static List<String> queries(JsonNode dashboard) {
    List<String> out = new ArrayList<>();
    collectPanels(dashboard.path("panels"), out);
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if ("query".equals(v.path("type").asText())) {
        JsonNode q = v.path("query");
        out.add(q.isTextual() ? q.asText() : q.path("query").asText());
      }
    }
    return out;
  }

  private static void collectPanels(JsonNode panels, List<String> out) {
    for (JsonNode p : panels) {
      for (JsonNode t : p.path("targets")) {
        if (t.hasNonNull("expr")) {
          out.add(t.get("expr").asText());
        }
      }
      collectPanels(p.path("panels"), out);
    }
  }
}
