package io.stageboundary.benchmark;

import java.util.Map;
import java.util.function.Predicate;

/** Reads sums out of the Prometheus text format the operator serves on /q/metrics. */
final class Prometheus {
  private Prometheus() {}

  /**
   * Sum of every sample of {@code metric} (any labels) whose label text passes {@code labels};
   * 0 when there is none.
   */
  static double sum(String text, String metric, Predicate<String> labels) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.charAt(0) == '#' || !line.startsWith(metric)) {
        continue;
      }
      String rest = line.substring(metric.length());
      String labelText = "";
      if (rest.startsWith("{")) {
        int end = rest.indexOf('}');
        labelText = rest.substring(1, end);
        rest = rest.substring(end + 1);
      } else if (!rest.startsWith(" ")) {
        continue;  // another metric sharing the prefix
      }
      if (labels.test(labelText)) {
        String[] parts = rest.trim().split("\\s+");
        total += Double.parseDouble(parts[0]);
      }
    }
    return total;
  }

  static double sum(String text, String metric) {
    return sum(text, metric, l -> true);
  }

  /** {@code true} when the label text holds every given label with exactly that value. */
  static Predicate<String> having(Map<String, String> wanted) {
    return labelText -> wanted.entrySet().stream()
        .allMatch(e -> labelText.contains(e.getKey() + "=\"" + e.getValue() + "\""));
  }
}
